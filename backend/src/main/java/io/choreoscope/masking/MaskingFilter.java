package io.choreoscope.masking;

import org.reactivestreams.Publisher;

import io.choreoscope.model.api.ApiError;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ResponseFilter;
import io.micronaut.http.annotation.ServerFilter;
import io.micronaut.http.filter.ServerFilterPhase;
import io.micronaut.http.sse.Event;
import reactor.core.publisher.Flux;

/**
 * The one place where masking happens: every answer of {@code /api/v1} to a caller who sees values masked passes
 * through {@link ReadMasking#body}, whatever endpoint made it (event views, raw payloads, search hits, instance
 * lists, spans, graphs, the live stream, error messages). The UI reads through this API with its user's token, so it
 * shows what the API shows. A masked caller may also not name a masked value in a request (for example
 * {@code /instances/<an e-mail address>}): the answer would tell whether a record holds it.
 */
@ServerFilter("/api/v1/**")
public class MaskingFilter implements Ordered {
    private final ReadMasking masking;

    public MaskingFilter(ReadMasking masking) {
        this.masking = masking;
    }

    @Override
    public int getOrder() {
        return ServerFilterPhase.SECURITY.after(); // the principal is known
    }

    @RequestFilter
    @Nullable
    public HttpResponse<?> refuseMaskedValues(HttpRequest<?> request) {
        if (!masking.masks(request) || masking.maskedValueIn(request) == null) {
            return null;
        }
        return HttpResponse.status(HttpStatus.FORBIDDEN).body(new ApiError(403, "masked_value",
                "the request names a value that is masked for your role; an operator or admin can look it up"));
    }

    @ResponseFilter
    @SuppressWarnings("unchecked")
    public void mask(HttpRequest<?> request, MutableHttpResponse<?> response) {
        Object body = response.body();
        if (body == null || !masking.masks(request)) {
            return;
        }
        MutableHttpResponse<Object> r = (MutableHttpResponse<Object>) response;
        if (body instanceof Publisher<?> stream) {
            r.body(Flux.from(stream).map(item -> item instanceof Event<?> e
                    ? Event.of(masking.item(e.getData())).name(e.getName()).id(e.getId())
                    : masking.item(item)));
        } else {
            r.body(masking.body(body));
        }
    }
}
