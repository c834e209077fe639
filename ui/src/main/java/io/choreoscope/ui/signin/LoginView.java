package io.choreoscope.ui.signin;

import java.util.List;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.H1;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.login.LoginForm;
import com.vaadin.flow.component.login.LoginI18n;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.server.VaadinSession;

import io.choreoscope.model.api.AuthSettings;
import io.choreoscope.ui.UiServices;
import io.choreoscope.ui.client.ApiException;
import io.choreoscope.ui.client.ChoreoscopeApi;

/**
 * The sign-in page: a local user's name and password (checked by the API, never by the UI), and a button
 * per single sign-on provider. {@code ?error=} shows why a single sign-on was refused; {@code ?next=} is
 * where to go after signing in (a path of this UI only).
 */
@Route("login")
@PageTitle("Sign in · choreoscope")
public class LoginView extends VerticalLayout implements BeforeEnterObserver {
    private final LoginForm form = new LoginForm();
    private final Paragraph message = new Paragraph();
    private final VerticalLayout providers = new VerticalLayout();
    private String next = "";

    public LoginView() {
        addClassName("login-view");
        setSizeFull();
        setAlignItems(FlexComponent.Alignment.CENTER);
        setJustifyContentMode(FlexComponent.JustifyContentMode.CENTER);
        H1 title = new H1("choreoscope");
        title.addClassName("login-title");
        message.setId("login-message");
        message.setVisible(false);
        message.addClassName("login-message");

        LoginI18n i18n = LoginI18n.createDefault();
        i18n.getForm().setTitle("Sign in");
        i18n.getForm().setUsername("User name");
        i18n.getErrorMessage().setTitle("Not signed in");
        i18n.getErrorMessage().setMessage("The user name or the password is wrong.");
        form.setI18n(i18n);
        form.setForgotPasswordButtonVisible(false);
        form.setId("login-form");
        form.addLoginListener(e -> signIn(e.getUsername(), e.getPassword()));

        providers.setPadding(false);
        providers.setAlignItems(FlexComponent.Alignment.STRETCH);
        providers.setWidth("20rem");
        add(title, message, form, providers);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        var params = event.getLocation().getQueryParameters().getParameters();
        next = safeNext(params.getOrDefault("next", List.of("")).get(0));
        String error = params.getOrDefault("error", List.of("")).get(0);
        ChoreoscopeApi api = UiServices.application().api();
        AuthSettings settings;
        try {
            settings = SignIn.settings(VaadinSession.getCurrent(), api);
        } catch (ApiException e) {
            show("The choreoscope API cannot be reached, so nobody can sign in right now: " + e.getMessage());
            form.setEnabled(false);
            return;
        }
        if (!settings.enabled() || SignIn.current(VaadinSession.getCurrent()).isPresent()) {
            event.forwardTo(next);
            return;
        }
        if (!error.isBlank()) {
            show("Single sign-on did not sign you in: " + error);
        }
        form.setVisible(settings.passwordLogin());
        providers.removeAll();
        for (AuthSettings.SsoProvider p : settings.providers()) {
            Button b = new Button("Sign in with " + p.name(), VaadinIcon.KEY.create(), e -> startSso(p));
            b.addThemeVariants(ButtonVariant.LUMO_CONTRAST);
            b.setId("sso-" + p.name());
            providers.add(b);
        }
        if (!settings.passwordLogin() && settings.providers().isEmpty()) {
            show("Sign-in is on but no user and no single sign-on provider is configured: see docs/ACCESS.md "
                    + "(choreoscope.auth.users or micronaut.security.oauth2.clients).");
        }
    }

    private void signIn(String user, String password) {
        ChoreoscopeApi api = UiServices.application().api();
        try {
            SignIn.signIn(api.login(user, password), api);
            UI.getCurrent().navigate(next);
        } catch (ApiException e) {
            if (e.status() == 401 || e.status() == 400) {
                form.setError(true);
            } else {
                form.setEnabled(true);
                show("Signing in failed: " + e.getMessage());
            }
        }
    }

    private void startSso(AuthSettings.SsoProvider p) {
        VaadinSession.getCurrent().setAttribute(SignIn.SSO_PENDING, Boolean.TRUE);
        UI.getCurrent().getPage().setLocation(p.loginUrl());
    }

    private void show(String text) {
        message.setText(text);
        message.setVisible(true);
    }

    /** A path inside this UI, or the dashboard: never another site (no open redirect). */
    static String safeNext(String next) {
        if (next == null) {
            return "";
        }
        String n = next.strip();
        while (n.startsWith("/")) {
            n = n.substring(1);
        }
        if (n.contains("://") || n.contains("\\") || n.startsWith("login") || n.startsWith("sso")) {
            return "";
        }
        return n;
    }
}
