package io.choreoscope.model;

/**
 * A read that the storage stopped at a limit it sets on the cost of one query (time run, rows or bytes read) before it
 * had read everything asked for. Nothing partial is returned. The message says which limit, for people; asking for
 * less (a narrower time window) may succeed where retrying the same read will not.
 */
public class QueryLimitException extends StorageException {
    public QueryLimitException(String message, Throwable cause) {
        super(message, cause);
    }
}
