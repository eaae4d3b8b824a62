"""StatementGate: statements share it, VACUUM holds it alone, in threads as sessions and the
maintenance thread use it. No timing is asserted: a wait that must not end is given a moment,
one that must end is given seconds."""

from __future__ import annotations

import threading

from quantadb.engine.maintenance import StatementGate

LONG_S = 10.0
MOMENT_S = 0.05


class Statement(threading.Thread):
    """Holds the shared side from `entered` until `finish` is set."""

    def __init__(self, gate: StatementGate, *, waits_for_vacuum: threading.Event | None = None) -> None:
        super().__init__(daemon=True)
        self.gate, self.waits_for_vacuum = gate, waits_for_vacuum
        self.entered, self.finish, self.done = threading.Event(), threading.Event(), threading.Event()

    def run(self) -> None:
        with self.gate.shared():
            self.entered.set()
            if self.waits_for_vacuum is not None:
                with self.gate.released():  # as VACUUM's statement waits for its round
                    self.waits_for_vacuum.wait(LONG_S)
            self.finish.wait(LONG_S)
        self.done.set()


class Vacuum(threading.Thread):
    def __init__(self, gate: StatementGate, timeout_s: float = LONG_S) -> None:
        super().__init__(daemon=True)
        self.gate, self.timeout_s = gate, timeout_s
        self.acquired: bool | None = None
        self.holding, self.finish = threading.Event(), threading.Event()

    def run(self) -> None:
        with self.gate.exclusive(self.timeout_s) as acquired:
            self.acquired = acquired
            if acquired:
                self.holding.set()
                self.finish.wait(LONG_S)


def test_exclusive_when_no_statement_runs():
    gate = StatementGate()
    with gate.shared():
        pass
    with gate.exclusive(timeout_s=0) as acquired:
        assert acquired
    with gate.shared():  # and statements enter again after it
        pass


def test_a_statement_that_raises_leaves_the_gate():
    gate = StatementGate()
    try:
        with gate.shared():
            raise ValueError("statement failed")
    except ValueError:
        pass
    with gate.exclusive(timeout_s=0) as acquired:
        assert acquired


def test_vacuum_waits_for_running_statements_to_leave():
    gate = StatementGate()
    first, second = Statement(gate), Statement(gate)
    for s in (first, second):
        s.start()
        assert s.entered.wait(LONG_S)
    vacuum = Vacuum(gate)
    vacuum.start()
    first.finish.set()
    assert first.done.wait(LONG_S)
    assert not vacuum.holding.wait(MOMENT_S)  # the second statement still runs
    second.finish.set()
    assert vacuum.holding.wait(LONG_S)
    vacuum.finish.set()
    vacuum.join(LONG_S)


def test_vacuum_gives_up_after_its_timeout():
    gate = StatementGate()
    s = Statement(gate)
    s.start()
    assert s.entered.wait(LONG_S)
    vacuum = Vacuum(gate, timeout_s=MOMENT_S)
    vacuum.start()
    vacuum.join(LONG_S)
    assert vacuum.acquired is False
    s.finish.set()
    assert s.done.wait(LONG_S)
    with gate.exclusive(timeout_s=0) as acquired:
        assert acquired


def test_statements_wait_while_vacuum_runs():
    gate = StatementGate()
    vacuum = Vacuum(gate)
    vacuum.start()
    assert vacuum.holding.wait(LONG_S)
    s = Statement(gate)
    s.start()
    assert not s.entered.wait(MOMENT_S)
    vacuum.finish.set()
    assert s.entered.wait(LONG_S)
    s.finish.set()
    assert s.done.wait(LONG_S)


def test_statements_keep_entering_while_vacuum_waits():
    """Readers first: a waiting VACUUM holds no statement up; it gets its turn at a moment
    when none runs."""
    gate = StatementGate()
    running = Statement(gate)
    running.start()
    assert running.entered.wait(LONG_S)
    vacuum = Vacuum(gate)
    vacuum.start()
    newcomer = Statement(gate)
    newcomer.start()
    assert newcomer.entered.wait(LONG_S)
    running.finish.set()
    newcomer.finish.set()
    assert vacuum.holding.wait(LONG_S)
    vacuum.finish.set()
    vacuum.join(LONG_S)


def test_released_lets_vacuum_run_inside_a_statement():
    gate = StatementGate()
    vacuum_ran = threading.Event()
    s = Statement(gate, waits_for_vacuum=vacuum_ran)
    s.start()
    assert s.entered.wait(LONG_S)
    vacuum = Vacuum(gate)
    vacuum.start()
    assert vacuum.holding.wait(LONG_S)  # the statement let go of its share while it waits
    vacuum_ran.set()
    s.finish.set()
    assert not s.done.wait(MOMENT_S)  # it takes its share back only after VACUUM
    vacuum.finish.set()
    assert s.done.wait(LONG_S)


def test_vacuum_gets_in_between_a_stream_of_statements():
    """Several threads run statements back to back, as pgbench clients do: VACUUM still finds
    a moment with none running, every time."""
    gate = StatementGate()
    stop = threading.Event()
    running = [threading.Event() for _ in range(4)]

    def client(n: int) -> None:
        while not stop.is_set():
            with gate.shared():
                running[n].set()

    clients = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(len(running))]
    for c in clients:
        c.start()
    try:
        assert all(r.wait(LONG_S) for r in running)
        for _ in range(20):
            with gate.exclusive(timeout_s=LONG_S) as acquired:
                assert acquired
    finally:
        stop.set()
        for c in clients:
            c.join(LONG_S)
