package io.choreoscope.ui;

import java.io.IOException;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's error pages, saying what was wrong with a request and nothing about the server. Jetty's defaults named its
 * version (in every answer's {@code Server} header and under every error page), the servlet, and each exception's class
 * and message, with its stack trace: anyone, signed in or not, who sent a query string with bad UTF-8 read 14 frames
 * of the server's stack. Now a 4xx page says its status and Jetty's reason ("Bad query", "Illegal Path Character"), a
 * 5xx page its status only; the exception is in the log, not in the answer, in HTML, JSON and plain text alike.
 */
final class QuietErrorPages extends ErrorPageErrorHandler {

    QuietErrorPages() {
        setShowStacks(false);
        setShowServlet(false);
    }

    /** Gives the web application these error pages, and the server's own (requests no context took) no stacks or causes. */
    static void install(WebAppContext context) {
        context.setErrorHandler(new QuietErrorPages());
        Server server = context.getServer();
        if (server.getErrorHandler() instanceof ErrorHandler core) {
            core.setShowStacks(false);
            core.setShowCauses(false);
        }
        for (Connector c : server.getConnectors()) {
            HttpConnectionFactory http = c.getConnectionFactory(HttpConnectionFactory.class);
            if (http != null) {
                http.getHttpConfiguration().setSendServerVersion(false);
                http.getHttpConfiguration().setSendXPoweredBy(false);
            }
        }
    }

    @Override
    protected void generateAcceptableResponse(ServletContextRequest base, HttpServletRequest request,
                                              HttpServletResponse response, int code, String message) throws IOException {
        request.removeAttribute(RequestDispatcher.ERROR_EXCEPTION);
        request.removeAttribute(RequestDispatcher.ERROR_EXCEPTION_TYPE);
        super.generateAcceptableResponse(base, request, response, code, code >= 500 ? HttpStatus.getMessage(code) : message);
    }
}
