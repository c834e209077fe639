package io.choreoscope.services;

import java.util.ArrayList;
import java.util.List;

import io.choreoscope.model.service.ServiceIdentity;
import io.micronaut.context.annotation.ConfigurationProperties;

/**
 * Service identity, under {@value #PREFIX}: how raw names (source-service rule values, CloudEvents {@code source}
 * URIs, span {@code service.name}, consumer groups) become one service name ({@link ServiceIdentity}).
 */
@ConfigurationProperties(ServicesConfig.PREFIX)
public class ServicesConfig {
    public static final String PREFIX = "choreoscope.services";
    /** Default: no aliases. */
    public static final List<String> DEFAULT_ALIASES = List.of();
    /** Default part of a URI reference (CloudEvents source) that names the service: its last non-empty path segment. */
    public static final ServiceIdentity.UriPart DEFAULT_URI_PART = ServiceIdentity.UriPart.LAST_SEGMENT;

    private List<String> aliases = new ArrayList<>(DEFAULT_ALIASES);
    private ServiceIdentity.UriPart uriPart = DEFAULT_URI_PART;

    /** Aliases as {@code raw-name=service}, e.g. {@code orders-v2=orders}; a malformed one stops the start, named. */
    public List<String> getAliases() { return aliases; }
    public void setAliases(List<String> v) { aliases = v == null ? new ArrayList<>() : v; }
    public ServiceIdentity.UriPart getUriPart() { return uriPart; }
    public void setUriPart(ServiceIdentity.UriPart v) { uriPart = v == null ? DEFAULT_URI_PART : v; }

    /** The resolver these settings describe. */
    public ServiceIdentity toIdentity() {
        return new ServiceIdentity(ServiceIdentity.parseAliases(aliases), uriPart);
    }
}
