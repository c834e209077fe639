package io.choreoscope.replay;

import io.choreoscope.model.api.ReplayStatus;
import io.choreoscope.model.api.ReplayMode;
import java.time.Instant;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

/**
 * The audit of one replay request (table {@code replay_audit}): who asked, when, what, and how it went. Written
 * when the request is accepted, or when it is refused (state {@code REFUSED}, the reason in {@code result});
 * updated with the progress every few seconds while it runs ({@code heartbeatAt}) and when it ends. Dry runs are
 * audited too. The records it sent are in {@link SentRecord} ({@code replay_sent_record}).
 *
 * @param replayId      the replay's ID, also sent in the {@code choreoscope-replay-id} header
 * @param requestedBy   the signed-in user (with sign-in off the {@code X-Choreoscope-User} header, or {@code anonymous})
 * @param mode          {@link ReplayMode} name, or {@code NONE} for a refused request that named none
 * @param request       what was asked, as JSON (cut to 4000 characters)
 * @param status        {@link ReplayStatus.State} name
 * @param total         records planned (0 when refused)
 * @param sent          records Kafka acknowledged
 * @param errors        records that could not be sent
 * @param result        a sentence: the outcome, the reason of a refusal, or the first errors
 * @param heartbeatAt   last time the process running it wrote its progress; null once finished or never run
 * @param recordsPruned true when its list of sent records was deleted to keep the audit within its bound
 * @param subject       what it replayed, in words ({@code ReplayRequest.subject()}, at most 200 characters); null for
 *                      rows written before it was kept (read back from {@code request} then) and unreadable requests
 * @param ratePerSecond the rate it was sent at (records/s); null for dry runs, refusals and rows written before it was kept
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
        @Nullable String result,
        @Nullable Instant heartbeatAt,
        boolean recordsPruned,
        @Nullable String subject,
        @Nullable Double ratePerSecond) {

    /** The row as it is first written (no heartbeat yet, nothing pruned), without subject and rate. */
    public ReplayAudit(Long id, String replayId, String requestedBy, Instant requestedAt, String mode, String request,
                       boolean dryRun, String status, int total, int sent, int errors, Instant finishedAt, String result) {
        this(id, replayId, requestedBy, requestedAt, mode, request, dryRun, status, total, sent, errors, finishedAt, result,
                null, false, null, null);
    }

    /** This row with what was replayed and the rate it was sent at. */
    public ReplayAudit withSubject(String subject, Double ratePerSecond) {
        return new ReplayAudit(id, replayId, requestedBy, requestedAt, mode, request, dryRun, status, total, sent, errors,
                finishedAt, result, heartbeatAt, recordsPruned, cut(subject, 400), ratePerSecond);
    }

    public ReplayAudit finished(ReplayStatus s) {
        return new ReplayAudit(id, replayId, requestedBy, requestedAt, mode, request, dryRun, s.state().name(),
                s.total(), s.sent(), s.errors(), s.finishedAt(), cut(s.message(), 4000), null, recordsPruned, subject,
                ratePerSecond);
    }

    /** The row with the progress of a running replay and the time it was written. */
    public ReplayAudit progress(ReplayStatus s, Instant now) {
        return new ReplayAudit(id, replayId, requestedBy, requestedAt, mode, request, dryRun, status,
                s.total(), s.sent(), s.errors(), finishedAt, result, now, recordsPruned, subject, ratePerSecond);
    }

    /** The row of a replay whose process stopped while it ran: final state INTERRUPTED with what it had written. */
    public ReplayAudit interrupted(Instant now) {
        return new ReplayAudit(id, replayId, requestedBy, requestedAt, mode, request, dryRun,
                ReplayStatus.State.INTERRUPTED.name(), total, sent, errors, now,
                cut("interrupted: the process running it stopped (last progress "
                        + (heartbeatAt == null ? "never written" : "at " + heartbeatAt) + ") after " + sent + " of " + total
                        + " records were sent" + (errors > 0 ? " (" + errors + " failed)" : "")
                        + "; the records listed as sent are those Kafka acknowledged up to then", 4000),
                null, recordsPruned, subject, ratePerSecond);
    }

    public ReplayAudit pruned() {
        return new ReplayAudit(id, replayId, requestedBy, requestedAt, mode, request, dryRun, status, total, sent, errors,
                finishedAt, result, heartbeatAt, true, subject, ratePerSecond);
    }

    static String cut(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max - 1) + "…";
    }
}
