package io.choreoscope.ui;

import java.util.Objects;
import java.util.concurrent.Executor;

import com.vaadin.flow.server.VaadinContext;
import com.vaadin.flow.server.VaadinService;

import io.choreoscope.ui.client.ChoreoscopeApi;
import io.choreoscope.ui.shell.Permissions;

/**
 * What the views need from outside: the API client and the executor its (blocking) calls run on. One per
 * web application, kept as an attribute of the Vaadin context so that several UIs (tests, a launcher
 * running more than one) never share a static.
 *
 * @param api         the backend
 * @param executor    runs API calls off the request thread; results come back by server push
 * @param permissions what people may do unless their session says otherwise ({@link Permissions#current()})
 */
public record UiServices(ChoreoscopeApi api, Executor executor, Permissions permissions) {

    public UiServices {
        Objects.requireNonNull(api, "api");
        Objects.requireNonNull(executor, "executor");
        Objects.requireNonNull(permissions, "permissions");
    }

    /** Services where everyone may do everything ({@link Permissions#ALL}), as long as no authentication exists. */
    public UiServices(ChoreoscopeApi api, Executor executor) {
        this(api, executor, Permissions.ALL);
    }

    /**
     * The services of the current Vaadin application, as the current session's signed-in user: their API
     * client sends the user's token. Call it on a request thread (a view, a listener), not in a background task.
     */
    public static UiServices current() {
        UiServices s = application();
        var signedIn = io.choreoscope.ui.signin.SignIn.current(com.vaadin.flow.server.VaadinSession.getCurrent());
        return signedIn.map(st -> new UiServices(st.api(), s.executor(), s.permissions())).orElse(s);
    }

    /** The services of the current Vaadin application, not bound to anyone (sign-in itself uses these). */
    public static UiServices application() {
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
