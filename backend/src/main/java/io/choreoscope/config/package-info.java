/**
 * The config store: where choreoscope keeps what users configure and what it must remember across
 * restarts (alert rules, the history of their firings, the replay audit). It is a plain JDBC
 * datasource ({@code datasources.default}, Hikari) with micronaut-data-jdbc repositories and Flyway
 * migrations under {@code db/config/}, applied at start.
 *
 * <p>Default: an embedded H2 file database under {@code <choreoscope.data-dir>/config} (default
 * {@code data/config}), so the demo keeps its rules. Production: PostgreSQL, by setting
 * {@code datasources.default.url}, {@code driver-class-name: org.postgresql.Driver},
 * {@code dialect: POSTGRES}, username and password. The migrations are written in SQL that both run
 * unchanged, and entities are mapped without identifier quoting ({@code escape = false}) so the
 * queries generated at compile time read the same unquoted lower-case names on either database. The
 * repository contract ({@code ConfigStoreContract}) runs against both.
 */
package io.choreoscope.config;
