package io.choreoscope.config;

import io.micronaut.context.annotation.ConfigurationProperties;

/**
 * Where this process keeps its own files, under {@value #PREFIX}: the embedded config store
 * ({@code <data-dir>/config}, see application.yml's datasource), the generated token key
 * ({@code <data-dir>/auth/token-secret}) and the initial admin's password hash
 * ({@code <data-dir>/auth/admin-password-hash}).
 */
@ConfigurationProperties(DataConfig.PREFIX)
public class DataConfig {
    public static final String PREFIX = "choreoscope";
    /** Default: {@code ./data} beside where the process starts (absolute, or relative starting with {@code ./}: H2 refuses implicitly relative paths). */
    public static final String DEFAULT_DATA_DIR = "./data";

    private String dataDir = DEFAULT_DATA_DIR;

    /** The data directory. */
    public String getDataDir() { return dataDir; }
    public void setDataDir(String v) { this.dataDir = v; }
}
