package io.choreoscope.auth;

import io.micronaut.context.annotation.Requires;
import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.management.endpoint.health.DetailsVisibility;
import io.micronaut.management.endpoint.health.HealthEndpoint;
import jakarta.inject.Singleton;

/**
 * {@code /health} shows its details (ClickHouse URL, JDBC URL, errors) only to signed-in callers
 * ({@code endpoints.health.details-visible: AUTHENTICATED} in application.yml); anonymous probes get the status.
 * With sign-in off ({@code choreoscope.auth.enabled=false}) nobody is ever signed in and every caller may do
 * everything, so there the details are shown to every caller, as the rest of the API is.
 */
@Singleton
@Requires(property = "micronaut.security.enabled", value = "false")
public class HealthDetailsWithoutSignIn implements BeanCreatedEventListener<HealthEndpoint> {

    @Override
    public HealthEndpoint onCreated(BeanCreatedEvent<HealthEndpoint> event) {
        HealthEndpoint health = event.getBean();
        if (health.getDetailsVisible() == DetailsVisibility.AUTHENTICATED) {
            health.setDetailsVisible(DetailsVisibility.ANONYMOUS);
        }
        return health;
    }
}
