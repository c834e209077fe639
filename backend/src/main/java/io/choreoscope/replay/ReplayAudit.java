package io.choreoscope.replay;

import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.api.ReplayMode;
import java.time.Instant;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/**
 * The audit of one replay (table {@code replay_audit}): who asked, when, what, and how it went. Written
 * when the replay is accepted (or refused after planning), updated when it ends. Dry runs are audited too.
 *
 * @param replayId    the replay's ID, also sent in the {@code choreoscope-replay-id} header
 * @param requestedBy the user name from the request ({@code anonymous} until authentication exists)
 * @param mode        {@link ReplayMode} name
 * @param request     what was asked, as JSON (cut to 4000 characters)
 * @param status      {@link ReplayStatus.State} name
 * @param total       records planned
 * @param sent        records Kafka acknowledged
 * @param errors      records that could not be sent
 * @param result      a sentence: the outcome, or the first errors
 */
@MappedEntity(value = "replay_audit", escape = false)
public record ReplayAudit(
        @Id @GeneratedValue @Nullable Long id,
        String replayId,
        String requestedBy,
        Instant requestedAt,
        String mode,
        String request,
        boolean dryRun,
        String status,
        int total,
        int sent,
        int errors,
        @Nullable Instant finishedAt,
        @Nullable String result) {

    public ReplayAudit finished(ReplayStatus s) {
        return new ReplayAudit(id, replayId, requestedBy, requestedAt, mode, request, dryRun, s.state().name(),
                s.total(), s.sent(), s.errors(), s.finishedAt(), cut(s.message(), 4000));
    }

    static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
