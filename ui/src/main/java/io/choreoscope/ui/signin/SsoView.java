package io.choreoscope.ui.signin;

import java.util.List;

import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.server.VaadinSession;

import io.choreoscope.ui.UiServices;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.client.ChoreoscopeApi;

/**
 * Where single sign-on comes back ({@code /sso?code=}): the one-time code is traded for a token by this
 * server, only if the sign-on was started from this very session (so nobody can sign a victim's browser
 * in as someone else by sending a link with their own code).
 */
@Route("sso")
@PageTitle("Signing in · choreoscope")
public class SsoView extends VerticalLayout implements BeforeEnterObserver {
    private final Paragraph message = new Paragraph();

    public SsoView() {
        message.setId("sso-message");
        add(new H2("Single sign-on"), message, new Anchor("login", "Back to sign-in"));
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        String code = event.getLocation().getQueryParameters().getParameters().getOrDefault("code", List.of("")).get(0);
        VaadinSession session = VaadinSession.getCurrent();
        if (!Boolean.TRUE.equals(session.getAttribute(SignIn.SSO_PENDING))) {
            message.setText("This sign-in was not started from this browser window's session, so it was not used. "
                    + "Start it again from the sign-in page.");
            return;
        }
        if (code.isBlank()) {
            message.setText("The identity provider sent no sign-in code back. Start again from the sign-in page.");
            return;
        }
        ChoreoscopeApi api = UiServices.application().api();
        try {
            SignIn.signIn(api.exchangeSsoCode(code), api);
            event.forwardTo("");
        } catch (ApiException e) {
            session.setAttribute(SignIn.SSO_PENDING, null);
            message.setText("Signing in failed: " + e.getMessage());
        }
    }
}
