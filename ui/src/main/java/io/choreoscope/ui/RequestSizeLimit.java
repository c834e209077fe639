package io.choreoscope.ui;

import java.io.IOException;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Refuses a request body the UI would have to hold whole: over {@code maxBytes} by its {@code Content-Length} (413),
 * or sent without a length (411), before anything reads it. Jetty ends a body at its declared length, so what passes
 * is bounded. Browsers declare the length of everything the UI's pages send (Vaadin's JSON messages, the sign-in form).
 */
final class RequestSizeLimit implements Filter {
    private final long maxBytes;

    RequestSizeLimit(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        long length = http.getContentLengthLong();
        boolean hasBody = length > 0 || http.getHeader("Transfer-Encoding") != null;
        if (hasBody && length < 0) {
            refuse((HttpServletResponse) response, HttpServletResponse.SC_LENGTH_REQUIRED,
                    "a request body must declare its length (Content-Length)");
        } else if (length > maxBytes) {
            refuse((HttpServletResponse) response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE,
                    String.format(java.util.Locale.ROOT, "the request's body is larger than the UI reads: at most %,d bytes",
                            maxBytes));
        } else {
            chain.doFilter(request, response);
        }
    }

    private static void refuse(HttpServletResponse response, int status, String reason) throws IOException {
        // The body is not read: the connection cannot be reused for another request.
        response.setHeader("Connection", "close");
        response.setStatus(status);
        response.setContentType("text/plain;charset=UTF-8");
        response.getWriter().write(reason + "\n");
    }
}
