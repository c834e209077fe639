package io.choreoscope.ui.signin;

import static com.github.mvysny.kaributesting.v10.LocatorJ._find;
import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import com.github.mvysny.kaributesting.v10.LoginFormKt;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.login.LoginForm;
import com.vaadin.flow.server.VaadinSession;

import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.FakeChoreoscopeApi;
import io.choreoscope.ui.dashboard.DashboardView;
import io.choreoscope.ui.shell.Permissions;

/** Sign-in as people meet it: sent to the sign-in page, wrong and right passwords, roles, single sign-on, sign-out. */
class SignInTest extends KaribuTest {

    @Override
    protected FakeChoreoscopeApi createApi() {
        return FakeChoreoscopeApi.withSampleData(Instant.now())
                .addUser("vera", "viewer-pw", List.of("viewer"))
                .addUser("olga", "operator-pw", List.of("viewer", "operator"))
                .addUser("ada", "admin-pw", List.of("viewer", "operator", "admin"))
                .addSsoProvider("corp", "http://localhost:8081/oauth/login/corp");
    }

    private static String location() {
        return UI.getCurrent().getInternals().getActiveViewLocation().getPathWithQueryParameters();
    }

    private static void login(String user, String password) {
        LoginFormKt._login(_get(LoginForm.class), user, password);
        roundtrip();
    }

    @Test
    void nobodySeesAViewBeforeSigningInAndComesBackToWhereTheyWereGoing() {
        navigate("stuck");
        assertThat(UI.getCurrent().getInternals().getActiveRouterTargetsChain().get(0)).isInstanceOf(LoginView.class);
        assertThat(location()).isEqualTo("login?next=stuck");
        assertThat(api.calls()).noneMatch(c -> c.startsWith("stuck"));

        login("olga", "wrong");
        assertThat(_get(LoginForm.class).isError()).isTrue();
        assertThat(SignIn.current(VaadinSession.getCurrent())).isEmpty();

        login("olga", "operator-pw");
        assertThat(location()).isEqualTo("stuck");
        assertThat(_get(Span.class, s -> s.withId("signed-in-user")).getText()).isEqualTo("olga");
        assertThat(Permissions.current()).isEqualTo(new Permissions(true, false));
        assertThat(api.tokensUsed()).singleElement().asString().startsWith("fake-token-olga");
        assertThat(_find(Button.class, b -> b.withId("stuck-replay"))).as("operators replay").hasSize(1);
        navigate("alerts");
        assertThat(_find(Button.class, b -> b.withId("alerts-new"))).as("only admins edit alerts").isEmpty();
    }

    @Test
    void aViewerSeesNoActionsAndAnAdminSeesThemAll() {
        navigate("login");
        login("vera", "viewer-pw");
        assertThat(Permissions.current()).isEqualTo(Permissions.READ_ONLY);
        navigate("stuck");
        assertThat(_find(Button.class, b -> b.withId("stuck-replay"))).isEmpty();
        navigate("replays");
        assertThat(_find(Button.class, b -> b.withId("replay-new"))).isEmpty();

        SignIn.signOut(VaadinSession.getCurrent());
        navigate("login");
        login("ada", "admin-pw");
        assertThat(Permissions.current()).isEqualTo(Permissions.ALL);
        navigate("alerts");
        assertThat(_find(Button.class, b -> b.withId("alerts-new"))).hasSize(1);
    }

    @Test
    void singleSignOnCodesCountOnlyWhenThisSessionStartedTheSignOn() {
        String code = api.ssoCodeFor("sam", List.of("viewer", "operator"));
        navigate("sso?code=" + code);
        assertThat(_get(Paragraph.class, p -> p.withId("sso-message")).getText()).contains("not started from this browser");
        assertThat(SignIn.current(VaadinSession.getCurrent())).isEmpty();

        navigate("login");
        _get(Button.class, b -> b.withId("sso-corp")).click();
        navigate("sso?code=" + code);
        assertThat(SignIn.current(VaadinSession.getCurrent())).hasValueSatisfying(s ->
                assertThat(s.signedIn().user().name()).isEqualTo("sam"));
        assertThat(UI.getCurrent().getInternals().getActiveRouterTargetsChain().get(0)).isInstanceOf(DashboardView.class);
    }

    @Test
    void aRefusedSingleSignOnShowsItsReasonAsTextAndSignOutEndsTheSession() {
        navigate("login?error=" + java.net.URLEncoder.encode("<b>no role</b> for bob", java.nio.charset.StandardCharsets.UTF_8));
        Paragraph message = _get(Paragraph.class, p -> p.withId("login-message"));
        assertThat(message.getText()).contains("<b>no role</b> for bob");
        assertThat(message.getElement().getChildren().anyMatch(c -> !c.isTextNode() && c.getTag().equals("b"))).as("shown as text").isFalse();

        login("vera", "viewer-pw");
        _get(Button.class, b -> b.withId("sign-out")).click();
        assertThat(SignIn.current(VaadinSession.getCurrent())).isEmpty();
    }

    @Test
    void nextNeverLeavesTheUi() {
        assertThat(LoginView.safeNext("https://evil.example/x")).isEmpty();
        assertThat(LoginView.safeNext("//evil.example/x")).isEqualTo("evil.example/x");
        assertThat(LoginView.safeNext("/instances/o-1?x=1")).isEqualTo("instances/o-1?x=1");
        assertThat(LoginView.safeNext("login?next=stuck")).isEmpty();
    }
}
