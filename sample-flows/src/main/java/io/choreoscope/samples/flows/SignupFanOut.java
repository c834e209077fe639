package io.choreoscope.samples.flows;

import static io.choreoscope.samples.flows.Choreography.emit;
import static io.choreoscope.samples.flows.OrderSaga.obj;
import static io.choreoscope.samples.flows.OrderSaga.shortId;

import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import io.choreoscope.samples.Topics;
import io.choreoscope.samples.service.Reaction;
import io.choreoscope.samples.service.ServiceSpec;
import io.choreoscope.samples.wire.CloudEventsBinaryCodec;
import io.choreoscope.samples.wire.EventCodec;
import io.choreoscope.samples.wire.SampleEvent;

/**
 * Signup fan-out, as CloudEvents in Kafka binary mode with a {@code correlationid} extension (= user ID):
 * {@code accounts} publishes UserRegistered to {@code users}; four services, each in its own consumer group,
 * consume it in parallel and each publishes its completion event to {@code user-onboarding}:
 * email WelcomeEmailSent, analytics SignupTracked, crm CrmContactCreated, welcome-campaign WelcomeCampaignEnrolled.
 */
public final class SignupFanOut implements Choreography {
    public static final String USER_REGISTERED = "UserRegistered";
    public static final String WELCOME_EMAIL_SENT = "WelcomeEmailSent";
    public static final String SIGNUP_TRACKED = "SignupTracked";
    public static final String CRM_CONTACT_CREATED = "CrmContactCreated";
    public static final String WELCOME_CAMPAIGN_ENROLLED = "WelcomeCampaignEnrolled";

    /** Service name to the event it publishes on UserRegistered. */
    public static final Map<String, String> COMPLETIONS = Map.of(
            "email", WELCOME_EMAIL_SENT,
            "analytics", SIGNUP_TRACKED,
            "crm", CRM_CONTACT_CREATED,
            "welcome-campaign", WELCOME_CAMPAIGN_ENROLLED);

    private static final String[] PLANS = {"free", "free", "free", "pro", "team"};

    private final Topics topics;
    private final EventCodec codec = new CloudEventsBinaryCodec();

    public SignupFanOut(Topics topics) {
        this.topics = topics;
    }

    @Override
    public List<ServiceSpec> services() {
        List<ServiceSpec> out = new java.util.ArrayList<>();
        out.add(ServiceSpec.producerOnly("accounts", codec));
        for (String service : List.of("email", "analytics", "crm", "welcome-campaign")) {
            String completion = COMPLETIONS.get(service);
            out.add(new ServiceSpec(service, codec, List.of(topics.users()), Map.of(
                    USER_REGISTERED, (in, rnd) -> emit(topics.onboarding(), in.next(completion, service, null)))));
        }
        return List.copyOf(out);
    }

    @Override
    public String entryService() {
        return "accounts";
    }

    @Override
    public Reaction.Emit firstEvent(RandomGenerator rnd) {
        String userId = "user-" + shortId(rnd);
        return new Reaction.Emit(topics.users(), SampleEvent.first(USER_REGISTERED, userId, "accounts",
                obj().put("userId", userId)
                        .put("email", userId + "@example.com")
                        .put("plan", PLANS[rnd.nextInt(PLANS.length)])));
    }
}
