package io.choreoscope.masking;

import java.util.List;

import io.choreoscope.model.masking.PayloadMasker;
import io.micronaut.context.annotation.ConfigurationProperties;

/**
 * Masking of payloads, headers and other values for roles that may not see them, under {@value #PREFIX}
 * (docs/ACCESS.md, "Masking"). With no rule (the default) nothing is masked.
 */
@ConfigurationProperties(MaskingConfig.PREFIX)
public class MaskingConfig {
    public static final String PREFIX = "choreoscope.masking";
    /** Default JSON pointers whose values are masked: none. */
    public static final List<String> DEFAULT_JSON_POINTERS = List.of();
    /** Default header names whose values are masked: none. */
    public static final List<String> DEFAULT_HEADERS = List.of();
    /** Default patterns: none ({@code builtin:card-number} and {@code builtin:email} ship, off). */
    public static final List<String> DEFAULT_PATTERNS = List.of();
    /** Default roles that see values unmasked: operator and admin (so viewers see them masked). */
    public static final List<String> DEFAULT_UNMASKED_ROLES = List.of("operator", "admin");
    /** Default characters of one text that are scanned: {@value PayloadMasker#DEFAULT_MAX_SCAN_CHARS}; the rest is withheld. */
    public static final int DEFAULT_MAX_SCAN_CHARS = PayloadMasker.DEFAULT_MAX_SCAN_CHARS;

    private List<String> jsonPointers = DEFAULT_JSON_POINTERS;
    private List<String> headers = DEFAULT_HEADERS;
    private List<String> patterns = DEFAULT_PATTERNS;
    private List<String> unmaskedRoles = DEFAULT_UNMASKED_ROLES;
    private int maxScanChars = DEFAULT_MAX_SCAN_CHARS;

    public List<String> getJsonPointers() { return jsonPointers; }
    public void setJsonPointers(List<String> v) { jsonPointers = v == null ? List.of() : List.copyOf(v); }
    public List<String> getHeaders() { return headers; }
    public void setHeaders(List<String> v) { headers = v == null ? List.of() : List.copyOf(v); }
    public List<String> getPatterns() { return patterns; }
    public void setPatterns(List<String> v) { patterns = v == null ? List.of() : List.copyOf(v); }
    public List<String> getUnmaskedRoles() { return unmaskedRoles; }
    public void setUnmaskedRoles(List<String> v) { unmaskedRoles = v == null ? List.of() : List.copyOf(v); }
    public int getMaxScanChars() { return maxScanChars; }
    public void setMaxScanChars(int v) { maxScanChars = v; }
}
