package io.choreoscope.ui.shell;

import com.vaadin.flow.component.AttachEvent;
import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.KeyModifier;
import com.vaadin.flow.component.Shortcuts;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.applayout.AppLayout;
import com.vaadin.flow.component.applayout.DrawerToggle;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.Icon;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.sidenav.SideNav;
import com.vaadin.flow.component.sidenav.SideNavItem;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.QueryParameters;
import com.vaadin.flow.server.VaadinSession;
import com.vaadin.flow.router.RouterLink;
import com.vaadin.flow.theme.lumo.Lumo;

import io.choreoscope.ui.alerts.AlertsView;
import io.choreoscope.ui.UiServices;
import io.choreoscope.ui.dashboard.DashboardView;
import io.choreoscope.ui.signin.LoginView;
import io.choreoscope.ui.signin.SignIn;
import io.choreoscope.ui.dependencies.DependenciesView;
import io.choreoscope.ui.replay.ReplayView;
import io.choreoscope.ui.search.SearchView;
import io.choreoscope.ui.stuck.StuckView;

/**
 * The frame around every view: brand, the search box that is always at hand (Ctrl+K focuses it),
 * the light/dark switch and the navigation. The theme follows the operating system until the person
 * switches it.
 */
public class MainLayout extends AppLayout implements BeforeEnterObserver {

    /** Session attribute holding the person's light/dark choice (Boolean), kept across page loads. */
    static final String DARK_CHOICE = "choreoscope.dark";

    private final TextField search = new TextField();
    private final Button themeToggle = new Button();
    private boolean themeChosen;
    private final HorizontalLayout userMenu = new HorizontalLayout();

    public MainLayout() {
        setPrimarySection(Section.NAVBAR);
        addClassName("main-layout");

        DrawerToggle toggle = new DrawerToggle();
        toggle.setAriaLabel("Show or hide the menu");

        RouterLink brand = new RouterLink("", DashboardView.class);
        brand.addClassName("brand");
        Icon logo = VaadinIcon.CONNECT_O.create();
        logo.addClassName("brand-logo");
        Span name = new Span("choreoscope");
        name.addClassName("brand-name");
        brand.add(logo, name);

        search.setPlaceholder("Correlation ID or any value");
        search.setPrefixComponent(VaadinIcon.SEARCH.create());
        search.setClearButtonVisible(true);
        search.setAriaLabel("Search instances by correlation ID or any value");
        search.setTooltipText("Search (Ctrl+K)");
        search.addClassName("global-search");
        search.setId("global-search");
        search.addKeyDownListener(Key.ENTER, e -> submitSearch());
        Button go = new Button("Search", e -> submitSearch());
        go.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        go.setId("global-search-button");
        HorizontalLayout searchBox = new HorizontalLayout(search, go);
        searchBox.setSpacing(false);
        searchBox.addClassName("search-box");
        searchBox.setAlignItems(FlexComponent.Alignment.CENTER);
        Shortcuts.addShortcutListener(this, search::focus, Key.KEY_K, KeyModifier.CONTROL);

        themeToggle.addThemeVariants(ButtonVariant.LUMO_TERTIARY, ButtonVariant.LUMO_ICON);
        themeToggle.setId("theme-toggle");
        themeToggle.addClickListener(e -> {
            themeChosen = true;
            boolean dark = !isDark();
            applyDark(dark);
            com.vaadin.flow.server.VaadinSession.getCurrent().setAttribute(DARK_CHOICE, dark);
        });
        updateThemeToggle();

        Div spacer = new Div();
        spacer.addClassName("navbar-spacer");
        userMenu.addClassName("user-menu");
        userMenu.setAlignItems(FlexComponent.Alignment.CENTER);
        HorizontalLayout bar = new HorizontalLayout(toggle, brand, spacer, searchBox, themeToggle, userMenu);
        bar.setWidthFull();
        bar.setAlignItems(FlexComponent.Alignment.CENTER);
        bar.addClassName("navbar");
        bar.expand(spacer);
        addToNavbar(bar);

        SideNav nav = new SideNav();
        nav.addItem(new SideNavItem("Dashboard", DashboardView.class, VaadinIcon.DASHBOARD.create()));
        nav.addItem(new SideNavItem("Stuck instances", StuckView.class, VaadinIcon.HOURGLASS.create()));
        nav.addItem(new SideNavItem("Alerts", AlertsView.class, VaadinIcon.BELL_O.create()));
        nav.addItem(new SideNavItem("Replay", ReplayView.class, VaadinIcon.ROTATE_LEFT.create()));
        nav.addItem(new SideNavItem("Dependencies", DependenciesView.class, VaadinIcon.CLUSTER.create()));
        nav.addItem(new SideNavItem("Search", SearchView.class, VaadinIcon.SEARCH.create()));
        nav.addClassName("side-nav");
        addToDrawer(nav);
    }

    @Override
    protected void onAttach(AttachEvent attachEvent) {
        super.onAttach(attachEvent);
        Boolean chosen = (Boolean) attachEvent.getSession().getAttribute(DARK_CHOICE);
        if (chosen != null) {
            themeChosen = true;
            applyDark(chosen);
            return;
        }
        // Follow the operating system's preference until the person picks one.
        attachEvent.getUI().getPage()
                .executeJs("return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches")
                .then(Boolean.class, dark -> {
                    if (!themeChosen && dark != null) {
                        applyDark(dark);
                    }
                });
    }

    /**
     * Sends people who have not signed in (while sign-in is on) to the sign-in page, with the place they
     * wanted to go; shows who is signed in and the way out otherwise.
     */
    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        VaadinSession session = VaadinSession.getCurrent();
        var signedIn = SignIn.current(session);
        if (signedIn.isEmpty() && SignIn.required(session, UiServices.application().api())) {
            String wanted = event.getLocation().getPathWithQueryParameters();
            event.forwardTo(LoginView.class, wanted.isEmpty() ? QueryParameters.empty() : QueryParameters.of("next", wanted));
            return;
        }
        userMenu.removeAll();
        signedIn.ifPresent(s -> {
            Span who = new Span(s.signedIn().user().name());
            who.setId("signed-in-user");
            who.setTitle("Roles: " + String.join(", ", s.signedIn().user().roles()));
            who.addClassName("signed-in-user");
            Button out = new Button("Sign out", VaadinIcon.SIGN_OUT.create(), e -> signOut());
            out.setId("sign-out");
            out.addThemeVariants(ButtonVariant.LUMO_TERTIARY);
            userMenu.add(who, out);
        });
    }

    private void signOut() {
        VaadinSession session = VaadinSession.getCurrent();
        SignIn.signOut(session);
        UI.getCurrent().getPage().setLocation("login");
        session.getSession().invalidate();
    }

    /** The search box, for views that want to prefill it. */
    public TextField searchField() {
        return search;
    }

    private void submitSearch() {
        String q = search.getValue() == null ? "" : search.getValue().trim();
        if (q.isEmpty()) {
            search.focus();
            return;
        }
        UI.getCurrent().navigate(SearchView.class, QueryParameters.of("q", q));
    }

    private boolean isDark() {
        return UI.getCurrent().getElement().getThemeList().contains(Lumo.DARK);
    }

    private void applyDark(boolean dark) {
        UI ui = UI.getCurrent();
        if (dark) {
            ui.getElement().getThemeList().add(Lumo.DARK);
        } else {
            ui.getElement().getThemeList().remove(Lumo.DARK);
        }
        // Lumo's dark colours apply from the document element; the UI element alone leaves slotted
        // components (side navigation, tabs) with light text colours.
        ui.getPage().executeJs("document.documentElement.setAttribute('theme', $0)", dark ? Lumo.DARK : "");
        updateThemeToggle();
    }

    private void updateThemeToggle() {
        boolean dark = UI.getCurrent() != null && isDark();
        themeToggle.setIcon((dark ? VaadinIcon.SUN_O : VaadinIcon.MOON_O).create());
        themeToggle.setAriaLabel(dark ? "Switch to the light theme" : "Switch to the dark theme");
        themeToggle.setTooltipText(dark ? "Light theme" : "Dark theme");
    }
}
