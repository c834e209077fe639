package io.choreoscope.ui.dashboard;

import static com.github.mvysny.kaributesting.v10.LocatorJ._get;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.choreoscope.ui.KaribuTest;
import io.choreoscope.ui.client.FakeChoreoscopeApi;
import io.choreoscope.ui.shell.Notice;

class EmptyDashboardTest extends KaribuTest {

    @Override
    protected FakeChoreoscopeApi createApi() {
        return new FakeChoreoscopeApi();
    }

    @Test
    void noFlowsShowsAnEmptyStateThatExplainsWhy() {
        navigate("");
        Notice empty = _get(Notice.class);
        assertThat(empty.kind()).isEqualTo(Notice.Kind.EMPTY);
        assertThat(text(empty)).contains("No flows yet");
    }
}
