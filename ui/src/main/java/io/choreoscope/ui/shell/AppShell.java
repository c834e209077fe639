package io.choreoscope.ui.shell;

import com.vaadin.flow.component.page.AppShellConfigurator;
import com.vaadin.flow.component.page.Push;
import com.vaadin.flow.server.AppShellSettings;
import com.vaadin.flow.theme.Theme;

/**
 * Application-wide settings: server push (live dashboards without reloads) and the Lumo-based theme
 * {@code choreoscope} ({@code src/main/frontend/themes/choreoscope}).
 */
@Push
@Theme("choreoscope")
public class AppShell implements AppShellConfigurator {

    @Override
    public void configurePage(AppShellSettings settings) {
        settings.setPageTitle("choreoscope");
        settings.addMetaTag("description", "Workflows of choreographed Kafka microservices, live");
        // the brand mark as the tab's icon (browsers asked for /favicon.ico and got a 404 on every page)
        settings.addFavIcon("icon", "favicon.svg", "any");
    }
}
