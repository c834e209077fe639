package io.choreoscope.ui;

import java.util.Objects;
import java.util.concurrent.Executor;

import com.vaadin.flow.server.VaadinContext;
import com.vaadin.flow.server.VaadinService;

import io.choreoscope.ui.client.ChoreoscopeApi;

/**
 * What the views need from outside: the API client and the executor its (blocking) calls run on. One per
 * web application, kept as an attribute of the Vaadin context so that several UIs (tests, a launcher
 * running more than one) never share a static.
 *
 * @param api      the backend
 * @param executor runs API calls off the request thread; results come back by server push
 */
public record UiServices(ChoreoscopeApi api, Executor executor) {

    public UiServices {
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(executor, "executor");
    }

    /** The services of the current Vaadin application. */
    public static UiServices current() {
        VaadinService service = VaadinService.getCurrent();
        UiServices s = service == null ? null : service.getContext().getAttribute(UiServices.class);
        if (s == null) {
            throw new IllegalStateException("No UiServices in the Vaadin context: start the UI with UiServer.start");
        }
        return s;
    }

    /** Makes {@code services} the ones of the application behind {@code context}. */
    public static void install(VaadinContext context, UiServices services) {
        context.setAttribute(UiServices.class, services);
    }

    /** The servlet-context attribute name used by {@link VaadinContext#getAttribute(Class)}. */
    static String attributeName() {
        return UiServices.class.getName();
    }
}
