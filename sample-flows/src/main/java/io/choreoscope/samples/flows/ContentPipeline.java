package io.choreoscope.samples.flows;

import static io.choreoscope.samples.flows.Choreography.emit;
import static io.choreoscope.samples.flows.OrderSaga.obj;
import static io.choreoscope.samples.flows.OrderSaga.shortId;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import io.choreoscope.samples.Topics;
import io.choreoscope.samples.service.Reaction;
import io.choreoscope.samples.service.ServiceSpec;
import io.choreoscope.samples.wire.AvroSingleObjectCodec;
import io.choreoscope.samples.wire.SampleEvent;

/**
 * Content publishing pipeline in Avro: every event is an Avro record in single-object encoding (schema fingerprint,
 * no registry, no header), one schema per event type under {@code src/main/resources/schemas/content}, the record's
 * name being the event type; correlated by its {@code correlationId} field (= content ID):
 * <pre>
 * uploads     ContentUploaded      -> content
 * moderation  ContentUploaded      -> ModerationApproved | ModerationRejected (rejectRate) -> moderation
 * transcoding ModerationApproved   -> TranscodingCompleted                                 -> transcoding
 * publishing  TranscodingCompleted -> ContentPublished                                     -> content
 * </pre>
 * Two versions of {@code ContentUploaded}: uploads writes v1 until {@code schemaV2At}, then v2, which adds the
 * optional {@code language} (a producer rolling out a schema change, for choreoscope's per-step schema view).
 */
public final class ContentPipeline implements Choreography {
    public static final String CONTENT_UPLOADED = "ContentUploaded";
    public static final String MODERATION_APPROVED = "ModerationApproved";
    public static final String MODERATION_REJECTED = "ModerationRejected";
    public static final String TRANSCODING_COMPLETED = "TranscodingCompleted";
    public static final String CONTENT_PUBLISHED = "ContentPublished";

    /** The schema files, by path under {@link AvroSingleObjectCodec#RESOURCE_ROOT}, each type's versions oldest first. */
    public static final List<String> SCHEMAS = List.of("content/ContentUploaded-v1.avsc",
            "content/ContentUploaded-v2.avsc", "content/ModerationApproved-v1.avsc", "content/ModerationRejected-v1.avsc",
            "content/TranscodingCompleted-v1.avsc", "content/ContentPublished-v1.avsc");

    private static final String[] KINDS = {"video", "video", "podcast", "image"};
    private static final String[] LANGUAGES = {"en", "en", "de", "fr", "ja"};

    private final Topics topics;
    private final double rejectRate;
    private final Clock clock;
    private final Instant schemaV2At;
    private final AvroSingleObjectCodec codec;

    /**
     * @param schemaV2At from when uploads writes {@code ContentUploaded} v2; null: never
     */
    public ContentPipeline(Topics topics, double rejectRate, Instant schemaV2At) {
        this(topics, rejectRate, schemaV2At, Clock.systemUTC());
    }

    ContentPipeline(Topics topics, double rejectRate, Instant schemaV2At, Clock clock) {
        this.topics = topics;
        this.rejectRate = rejectRate;
        this.clock = clock;
        this.schemaV2At = schemaV2At;
        this.codec = new AvroSingleObjectCodec(AvroSingleObjectCodec.load(SCHEMAS), this::schemaV2);
    }

    /** Whether uploads writes {@code ContentUploaded} v2 now. */
    public boolean schemaV2() {
        return schemaV2At != null && !clock.instant().isBefore(schemaV2At);
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
                                "transcoding", renditions())))),
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
        var data = obj().put("contentId", contentId)
                .put("kind", KINDS[rnd.nextInt(KINDS.length)])
                .put("sizeBytes", rnd.nextLong(100_000, 2_000_000_000L));
        if (schemaV2()) {
            data.put("language", LANGUAGES[rnd.nextInt(LANGUAGES.length)]);
        }
        return new Reaction.Emit(topics.content(), SampleEvent.first(CONTENT_UPLOADED, contentId, "uploads", data));
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode renditions() {
        com.fasterxml.jackson.databind.node.ObjectNode o = obj();
        o.putArray("renditions").add("1080p").add("720p").add("480p");
        return o;
    }
}
