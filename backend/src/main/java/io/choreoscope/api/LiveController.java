package io.choreoscope.api;

import io.micronaut.security.annotation.Secured;
import io.choreoscope.auth.Roles;
import io.choreoscope.model.api.LiveUpdate;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.sse.Event;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.reactivestreams.Publisher;

/** Live changes as Server-Sent Events. */
@Secured(Roles.VIEWER)
@Controller("/api/v1/live")
@Tag(name = "live")
public class LiveController {
    private final LiveFeed feed;

    public LiveController(LiveFeed feed) {
        this.feed = feed;
    }

    @Get(produces = MediaType.TEXT_EVENT_STREAM)
    @Operation(summary = "Server-Sent Events: instance state changes (event 'instance'), flow KPI ticks ('flows') and "
            + "a heartbeat every 15 s ('heartbeat'); the data of each is a LiveUpdate")
    @ApiResponse(responseCode = "200", description = "an endless text/event-stream")
    public Publisher<Event<LiveUpdate>> live() {
        return feed.stream().map(u -> Event.of(u).name(u.type()));
    }
}
