package io.choreoscope.model.api;

/**
 * {@code POST /api/v1/auth/sso/exchange}: the one-time code a single sign-on handed to the UI, traded for a
 * token once, within a minute.
 */
public record SsoCodeExchange(String code) {
}
