from runway_nb.widgets._coalesce import Coalescer
from runway_nb.widgets._schedule import Scheduler


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def make(interval=0.25):
    clock, sent, timers = Clock(), [], []
    c = Coalescer(sent.append, interval, clock=clock, call_later=lambda d, fn: timers.append((d, fn)))
    return c, clock, sent, timers


def test_sends_only_changes():
    c, clock, sent, _ = make()
    c.push({"a": 1})
    clock.t += 1
    c.push({"a": 1})
    c.push({"a": 1})
    assert sent == [{"a": 1}]


def test_at_most_one_send_per_interval_and_the_newest_wins():
    c, clock, sent, timers = make()
    c.push(1)
    for value in range(2, 50):  # a burst inside the quiet interval
        c.push(value)
    assert sent == [1]
    assert len(timers) == 1 and abs(timers[0][0] - 0.25) < 1e-9
    clock.t += 0.25
    timers.pop()[1]()
    assert sent == [1, 49]


def test_now_and_flush_skip_the_wait():
    c, clock, sent, timers = make()
    c.push("a")
    c.push("b")
    c.flush()
    c.push("c", now=True)
    assert sent == ["a", "b", "c"]
    timers[0][1]()  # the timer fires later with nothing pending
    assert sent == ["a", "b", "c"]


def test_a_change_back_inside_the_interval_sends_nothing():
    c, clock, sent, timers = make()
    c.push("a")
    c.push("b")
    c.push("a")
    timers.pop()[1]()
    assert sent == ["a"]


def test_scheduler_runs_calls_in_time_order():
    import threading

    done, order = threading.Event(), []
    s = Scheduler()
    s.call_later(0.05, lambda: (order.append(2), done.set()))
    s.call_later(0.0, lambda: order.append(1))
    assert done.wait(5)
    assert order == [1, 2]
