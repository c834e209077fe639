package io.choreoscope.services;

import io.choreoscope.model.service.ServiceIdentity;
import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

/** The one {@link ServiceIdentity} of the process, from {@link ServicesConfig}. */
@Factory
public class ServicesFactory {
    @Singleton
    ServiceIdentity serviceIdentity(ServicesConfig config) {
        return config.toIdentity();
    }
}
