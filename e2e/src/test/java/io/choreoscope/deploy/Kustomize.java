package io.choreoscope.deploy;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import org.yaml.snakeyaml.Yaml;

/**
 * The part of kustomize that deploy/kubernetes uses, applied by hand (no kustomize binary here): {@code resources}
 * (files and directories with their own kustomization), {@code patches} given by {@code path} (strategic merge
 * patches, matched by kind and name), {@code namespace} and {@code images}. Any other field of a kustomization, a
 * patch given inline or by target, or a {@code $patch} directive fails the rendering: the manifests must stay within
 * what this resolves honestly.
 *
 * <p>Strategic merge: maps merge key by key (a null value removes the key); the lists that Kubernetes merges by a
 * key merge by it ({@link #MERGE_KEYS}, the patchMergeKey of those fields in the Kubernetes API); every other list
 * is replaced, as a strategic merge patch replaces lists without a merge strategy.
 */
final class Kustomize {
    static final Set<String> FIELDS = Set.of("apiVersion", "kind", "resources", "namespace", "images", "patches");
    /** List field -> the key its elements merge by (Kubernetes' patchMergeKey for these fields). */
    static final Map<String, String> MERGE_KEYS = Map.of(
            "containers", "name", "initContainers", "name", "env", "name", "volumes", "name",
            "volumeMounts", "mountPath", "ports", "containerPort", "imagePullSecrets", "name");

    private Kustomize() {
    }

    /** The resources a {@code kubectl apply -k dir} would send, as plain maps. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> render(Path dir) {
        List<Map<String, Object>> docs = load(dir.resolve("kustomization.yaml"));
        if (docs.size() != 1) {
            throw new IllegalArgumentException(dir + "/kustomization.yaml: one document expected");
        }
        Map<String, Object> k = docs.get(0);
        for (String field : k.keySet()) {
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException(dir + "/kustomization.yaml: kustomize field '" + field
                        + "' is not resolved by this test; keep to " + FIELDS);
            }
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object r : (List<Object>) k.getOrDefault("resources", List.of())) {
            Path p = dir.resolve(String.valueOf(r)).normalize();
            out.addAll(Files.isDirectory(p) ? render(p) : load(p));
        }
        for (Object patch : (List<Object>) k.getOrDefault("patches", List.of())) {
            Map<String, Object> spec = (Map<String, Object>) patch;
            if (!spec.keySet().equals(Set.of("path"))) {
                throw new IllegalArgumentException(dir + ": only patches given by 'path' are resolved here, not " + spec.keySet());
            }
            for (Map<String, Object> p : load(dir.resolve(String.valueOf(spec.get("path"))))) {
                Map<String, Object> target = find(out, p, dir);
                merge(target, p, "");
            }
        }
        if (k.get("namespace") != null) {
            for (Map<String, Object> r : out) {
                ((Map<String, Object>) r.get("metadata")).put("namespace", k.get("namespace"));
            }
        }
        for (Object image : (List<Object>) k.getOrDefault("images", List.of())) {
            replaceImage(out, (Map<String, Object>) image);
        }
        return out;
    }

    /** Every YAML document of a file (empty documents left out). */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> load(Path file) {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Reader r = Files.newBufferedReader(file)) {
            for (Object doc : new Yaml().loadAll(r)) {
                if (doc != null) {
                    docs.add((Map<String, Object>) doc);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return docs;
    }

    private static String kindAndName(Map<String, Object> r) {
        return r.get("kind") + "/" + name(r);
    }

    @SuppressWarnings("unchecked")
    static String name(Map<String, Object> r) {
        return String.valueOf(((Map<String, Object>) r.getOrDefault("metadata", Map.of())).get("name"));
    }

    private static Map<String, Object> find(List<Map<String, Object>> resources, Map<String, Object> patch, Path dir) {
        List<Map<String, Object>> hits = resources.stream()
                .filter(r -> Objects.equals(r.get("kind"), patch.get("kind")) && name(r).equals(name(patch))).toList();
        if (hits.size() != 1) {
            throw new IllegalArgumentException(dir + ": patch of " + kindAndName(patch) + " matches " + hits.size() + " resources");
        }
        return hits.get(0);
    }

    @SuppressWarnings("unchecked")
    private static void merge(Map<String, Object> target, Map<String, Object> patch, String path) {
        for (Map.Entry<String, Object> e : patch.entrySet()) {
            String key = e.getKey();
            if (key.startsWith("$")) {
                throw new IllegalArgumentException("patch directive " + key + " at " + path + " is not resolved here");
            }
            Object v = e.getValue();
            Object t = target.get(key);
            if (v == null) {
                target.remove(key);
            } else if (v instanceof Map<?, ?> pm && t instanceof Map<?, ?> tm) {
                merge((Map<String, Object>) tm, (Map<String, Object>) pm, path + "." + key);
            } else if (v instanceof List<?> pl && t instanceof List<?> tl && MERGE_KEYS.containsKey(key)) {
                mergeList((List<Object>) tl, (List<Object>) pl, MERGE_KEYS.get(key), path + "." + key);
            } else {
                target.put(key, copy(v));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static void mergeList(List<Object> target, List<Object> patch, String mergeKey, String path) {
        for (Object p : patch) {
            Map<String, Object> pm = (Map<String, Object>) p;
            Object id = pm.get(mergeKey);
            if (id == null) {
                throw new IllegalArgumentException("element of " + path + " without its merge key " + mergeKey);
            }
            Map<String, Object> hit = null;
            for (Object t : target) {
                if (Objects.equals(((Map<String, Object>) t).get(mergeKey), id)) {
                    hit = (Map<String, Object>) t;
                }
            }
            if (hit == null) {
                target.add(copy(pm));
            } else {
                merge(hit, pm, path + "[" + id + "]");
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T copy(T v) {
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> c = new LinkedHashMap<>();
            m.forEach((k, x) -> c.put(String.valueOf(k), copy(x)));
            return (T) c;
        }
        if (v instanceof List<?> l) {
            List<Object> c = new ArrayList<>();
            l.forEach(x -> c.add(copy(x)));
            return (T) c;
        }
        return v;
    }

    /** kustomize's images: a container image named {@code name} (with or without a tag) gets newName and newTag. */
    @SuppressWarnings("unchecked")
    private static void replaceImage(List<Map<String, Object>> resources, Map<String, Object> image) {
        for (String field : image.keySet()) {
            if (!Set.of("name", "newName", "newTag").contains(field)) {
                throw new IllegalArgumentException("images field " + field + " is not resolved here");
            }
        }
        String name = String.valueOf(image.get("name"));
        for (Map<String, Object> r : resources) {
            Map<String, Object> spec = (Map<String, Object>) r.get("spec");
            Map<String, Object> template = spec == null ? null : (Map<String, Object>) spec.get("template");
            if (template == null) {
                continue;
            }
            Map<String, Object> pod = (Map<String, Object>) template.get("spec");
            for (String list : List.of("containers", "initContainers")) {
                for (Object c : (List<Object>) pod.getOrDefault(list, List.of())) {
                    Map<String, Object> container = (Map<String, Object>) c;
                    String current = String.valueOf(container.get("image"));
                    int colon = current.lastIndexOf(':');
                    String currentName = colon > current.lastIndexOf('/') ? current.substring(0, colon) : current;
                    String currentTag = colon > current.lastIndexOf('/') ? current.substring(colon + 1) : null;
                    if (currentName.equals(name)) {
                        String newName = String.valueOf(image.getOrDefault("newName", currentName));
                        Object tag = image.getOrDefault("newTag", currentTag);
                        container.put("image", tag == null ? newName : newName + ":" + tag);
                    }
                }
            }
        }
    }
}
