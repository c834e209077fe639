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
import io.choreoscope.samples.wire.EventCodec;
import io.choreoscope.samples.wire.PayloadFieldCodec;
import io.choreoscope.samples.wire.SampleEvent;

/**
 * Content publishing pipeline, correlated by a JSON payload field ({@code correlationId} = content ID), no
 * correlation header:
 * <pre>
 * uploads     ContentUploaded      -> content
 * moderation  ContentUploaded      -> ModerationApproved | ModerationRejected (rejectRate) -> moderation
 * transcoding ModerationApproved   -> TranscodingCompleted                                 -> transcoding
 * publishing  TranscodingCompleted -> ContentPublished                                     -> content
 * </pre>
 */
public final class ContentPipeline implements Choreography {
    public static final String CONTENT_UPLOADED = "ContentUploaded";
    public static final String MODERATION_APPROVED = "ModerationApproved";
    public static final String MODERATION_REJECTED = "ModerationRejected";
    public static final String TRANSCODING_COMPLETED = "TranscodingCompleted";
    public static final String CONTENT_PUBLISHED = "ContentPublished";

    private static final String[] KINDS = {"video", "video", "podcast", "image"};

    private final Topics topics;
    private final double rejectRate;
    private final EventCodec codec = new PayloadFieldCodec();

    public ContentPipeline(Topics topics, double rejectRate) {
        this.topics = topics;
        this.rejectRate = rejectRate;
    }

    @Override
    public List<ServiceSpec> services() {
        return List.of(
                ServiceSpec.producerOnly("uploads", codec),
                new ServiceSpec("moderation", codec, List.of(topics.content()), Map.of(
                        CONTENT_UPLOADED, (in, rnd) -> rnd.nextDouble() < rejectRate
                                ? emit(topics.moderation(), in.next(MODERATION_REJECTED, "moderation",
                                        obj().put("reason", "policy violation")))
                                : emit(topics.moderation(), in.next(MODERATION_APPROVED, "moderation", null)))),
                new ServiceSpec("transcoding", codec, List.of(topics.moderation()), Map.of(
                        MODERATION_APPROVED, (in, rnd) -> emit(topics.transcoding(), in.next(TRANSCODING_COMPLETED,
                                "transcoding", obj().put("renditions", "1080p,720p,480p"))))),
                new ServiceSpec("publishing", codec, List.of(topics.transcoding()), Map.of(
                        TRANSCODING_COMPLETED, (in, rnd) -> emit(topics.content(), in.next(CONTENT_PUBLISHED, "publishing",
                                obj().put("url", "https://cdn.example.com/" + in.correlationId()))))));
    }

    @Override
    public String entryService() {
        return "uploads";
    }

    @Override
    public Reaction.Emit firstEvent(RandomGenerator rnd) {
        String contentId = "content-" + shortId(rnd);
        return new Reaction.Emit(topics.content(), SampleEvent.first(CONTENT_UPLOADED, contentId, "uploads",
                obj().put("contentId", contentId)
                        .put("kind", KINDS[rnd.nextInt(KINDS.length)])
                        .put("sizeBytes", rnd.nextLong(100_000, 2_000_000_000L))));
    }
}
