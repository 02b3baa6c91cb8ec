"""``forcelab simulate``: simulated force plates on a pseudo-terminal.

Starts :class:`forcelab.simulation.simulator.SimulatedPlates`, prints the port to connect to (a stable
symlink that survives simulated unplugs) and runs until Ctrl-C or ``--seconds``. With ``--trials`` the
athlete runs a scripted session (step on, stand, N trials with pauses, step off), repeated with
``--repeat``; without it the athlete steps on and stands still.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from forcelab.analysis import catalog
from forcelab.cli import CliError

#: A simulated load-cell isometric (hip squeeze, belly press ...): the cell's resting contact (kg: 0.5 kg reads
#: 4.9 N, the pad against the knees) and the effort's default peak (N).
LOAD_CELL_REST_KG = 0.5
LOAD_CELL_PEAK_N = 400.0
#: Single-leg tests: the two-leg movement, the whole force on one plate (``--limb``), a lower default jump (m).
SINGLE_LEG = {k: e.single_leg_of for k, e in catalog.CATALOG.items() if e.single_leg_of is not None}
SINGLE_LEG_JUMP_M = 0.15
#: Repeated hops: the 10/5 test's ten hops by default; the plausible range of the options (a contact longer than
#: 1 s is a pause to the analysis; a flight under 100 ms is not a flight to it) and what is injected.
DEFAULT_HOPS = 10
MAX_HOPS = 50
CONTACT_MS = (80.0, 800.0)
FLIGHT_MS = (150.0, 900.0)
HOP_HEIGHT_CM = (3.0, 100.0)


def single_leg_asymmetry(limb: str | None) -> float:
    """The simulator's left/right split (fraction, +1 = all on the left plate) for a single-leg athlete on the
    ``limb`` plate (default left)."""
    return -1.0 if limb == "right" else 1.0


def simulated_test(name: str) -> tuple[str, bool]:
    """The simulated athlete's test for test ``name`` and whether it is a load-cell isometric.

    The simulator performs cmj, sj, dj and pulls; the isometric squat is a pull on the plates (a push against a
    fixed bar looks the same to them). A load-cell isometric (hip squeeze, belly press ...) is a pull too, with
    the "athlete" on the cell being the pad's resting contact (:data:`LOAD_CELL_REST_KG`) and a peak of
    :data:`LOAD_CELL_PEAK_N`. :class:`CliError` for a test the simulator cannot perform."""
    from forcelab.analysis.isometric_tests import DEFINITIONS
    from forcelab.simulation.synthetic import TESTS

    key = name.lower().replace("-", "_")
    if key == "balance":
        return "balance", False
    if key in SINGLE_LEG:
        return SINGLE_LEG[key], False
    iso = DEFINITIONS.get(key)
    if iso is not None and iso.device == "load_cell":
        return "imtp", True
    test = TESTS.get(key)
    if test is None:
        raise CliError(f"--test {name!r}: choose one of {', '.join(catalog.ANALYSABLE)}")
    return test, False


def hop_params(args: argparse.Namespace, test: str) -> dict[str, float]:
    """The rebound trial parameters of the hop options (``--hops``, ``--contact-ms``, ``--flight-ms`` /
    ``--hop-height-cm``, ``--long-contact-at``, ``--double-contact-at``), checked; :class:`CliError` naming the
    option for a value out of range or for a hop option given to another test. Empty when none is given."""
    given = {"--hops": args.hops, "--contact-ms": args.contact_ms, "--flight-ms": args.flight_ms,
             "--hop-height-cm": args.hop_height_cm, "--long-contact-at": args.long_contact_at,
             "--double-contact-at": args.double_contact_at}
    named = [k for k, v in given.items() if v is not None]
    if not named:
        return {}
    from forcelab.analysis.units import STANDARD_GRAVITY
    if test != "rebound":
        raise CliError(f"{named[0]} applies to repeated hops (--test rebound), not to --test {args.test}")
    if args.jump_height is not None and (args.flight_ms is not None or args.hop_height_cm is not None):
        raise CliError("give the hops' height once: --jump-height, --flight-ms or --hop-height-cm")
    hops = DEFAULT_HOPS if args.hops is None else args.hops
    if not 1 <= hops <= MAX_HOPS:
        raise CliError(f"--hops must be a number of hops from 1 to {MAX_HOPS}, got {hops}")
    out: dict[str, float] = {"hops": float(hops)}

    def in_range(option: str, value: float, bounds: tuple[float, float], unit: str) -> float:
        if not bounds[0] <= value <= bounds[1]:
            raise CliError(f"{option} must be from {bounds[0]:g} to {bounds[1]:g} {unit}, got {value:g}")
        return value

    if args.contact_ms is not None:
        out["contact_time"] = in_range("--contact-ms", args.contact_ms, CONTACT_MS, "ms") / 1000.0
    if args.flight_ms is not None:
        t = in_range("--flight-ms", args.flight_ms, FLIGHT_MS, "ms") / 1000.0
        out["jump_height"] = STANDARD_GRAVITY * t * t / 8.0
    if args.hop_height_cm is not None:
        out["jump_height"] = in_range("--hop-height-cm", args.hop_height_cm, HOP_HEIGHT_CM, "cm") / 100.0
    if args.long_contact_at is not None and args.contact_ms is not None:
        from forcelab.simulation.synthetic import LONG_CONTACT_TIME, trial_defaults

        longest = args.contact_ms * (1.0 + trial_defaults("rebound")["jitter"])
        if longest >= 1000 * LONG_CONTACT_TIME:
            raise CliError(f"--long-contact-at: the long contact ({1000 * LONG_CONTACT_TIME:g} ms) must be longer than "
                           f"the others (--contact-ms {args.contact_ms:g} reaches {longest:.0f} ms)")
    for option, value, key in (("--long-contact-at", args.long_contact_at, "long_contact_at"),
                               ("--double-contact-at", args.double_contact_at, "double_contact_at")):
        if value is not None:
            if not 1 <= value <= hops:
                raise CliError(f"{option} {value}: the hops are numbered 1 to {hops} (--hops {hops})")
            out[key] = float(value)
    return out


def describe_hops(plan: dict[str, float]) -> str:
    """One line saying what the scripted hops of :func:`hop_params`' ``plan`` do, for the tester watching live."""
    from forcelab.simulation.synthetic import DOUBLE_CONTACT_GAP, LONG_CONTACT_TIME, trial_defaults

    p = {**trial_defaults("rebound"), **plan}
    line = (f"hops: {int(p['hops'])} per trial, contacts about {1000 * p['contact_time']:.0f} ms, jump height about "
            f"{100 * p['jump_height']:.0f} cm")
    if p["long_contact_at"]:
        line += f"; hop {int(p['long_contact_at'])}: a {1000 * LONG_CONTACT_TIME:.0f} ms contact"
    if p["double_contact_at"]:
        line += (f"; hop {int(p['double_contact_at'])}: a double contact ({1000 * DOUBLE_CONTACT_GAP:.0f} ms off "
                 "the plate)")
    return line


def register(subparsers: Any) -> None:
    """Add the ``simulate`` subcommand."""
    p = subparsers.add_parser(
        "simulate",
        help="run simulated force plates on a pseudo-terminal and print the port",
        description="Virtual force plates (2 plates x 4 load cells by default) on a pseudo-terminal, speaking "
        "forcelab's binary protocol or text lines, with scripted jumps and pulls and fault injection.",
        epilog="The printed port is a symlink that follows the device across simulated unplugs: after "
        "'--fault unplug:...' a host reopens the same path. Binary devices wait for START (forcelab "
        "monitor/record send it); text devices stream as soon as the port is opened.",
    )
    p.add_argument("--rate", type=float, default=1000.0, help="sample rate in Hz, 1..10000 (default 1000)")
    p.add_argument("--protocol", choices=("binary", "text"), default="binary")
    p.add_argument("--channels", type=int, choices=(1, 2, 4, 8), default=8)
    p.add_argument("--text-units", choices=("counts", "newtons"), default="counts",
                   help="text protocol: raw counts (default) or newtons through the device's calibration")
    p.add_argument("--delimiter", choices=(";", ",", "tab", "space"), default=";",
                   help="text protocol field separator (default ';')")
    p.add_argument("--test", default="cmj",
                   help="cmj, sj, dj, imtp, rebound (repeated hops) or another isometric test (iso_squat on the "
                   "plates; iso_belly_press, hip_adduction, hip_abduction, iso_load_cell: a load cell resting at "
                   "4.9 N, e.g. --channels 1 or 2 for one pad per knee) (default cmj)")
    p.add_argument("--trials", type=int, default=0, help="scripted trials to perform (default: just stand)")
    p.add_argument("--pause", type=float, default=4.0, help="seconds of quiet stance between trials")
    p.add_argument("--repeat", action="store_true", help="repeat the scripted session forever")
    p.add_argument("--body-mass", type=float, default=75.0, help="kg (default 75)")
    p.add_argument("--load-kg", type=float, default=None, metavar="KG", dest="load_kg",
                   help="external load the athlete holds (barbell, vest) for a loaded cmj or sj: the plates "
                   "weigh body mass + load")
    p.add_argument("--limb", choices=("left", "right"), default=None,
                   help="single-leg tests (sl_cmj, sl_dj): the plate the athlete stands and jumps on (default left)")
    p.add_argument("--sway", type=float, default=None, metavar="M",
                   help="balance (quiet stance): amplitude of the athlete's centre-of-pressure sway in metres, one body on both plates "
                   "(default 0.01)")
    p.add_argument("--jump-height", type=float, default=None, help="m, for jumps")
    p.add_argument("--peak-force", type=float, default=None, help="N, gross peak of a pull (imtp)")
    hop = p.add_argument_group("repeated hops (--test rebound, the 10/5 test)")
    hop.add_argument("--hops", type=int, default=None, metavar="N",
                     help=f"hops (ground contacts between two flights) per trial (default {DEFAULT_HOPS})")
    hop.add_argument("--contact-ms", type=float, default=None, metavar="MS",
                     help="mean ground contact in ms; each hop varies by up to 15 %% (default 200)")
    flight = hop.add_mutually_exclusive_group()
    flight.add_argument("--flight-ms", type=float, default=None, metavar="MS",
                        help="mean flight time of the hops in ms (jump height g t^2 / 8; or --hop-height-cm)")
    flight.add_argument("--hop-height-cm", type=float, default=None, metavar="CM",
                        help="mean jump height of the hops in cm (default 20)")
    hop.add_argument("--long-contact-at", type=int, default=None, metavar="K",
                     help="hop K's contact is a long one, over 250 ms (the analysis flags slow_contact)")
    hop.add_argument("--double-contact-at", type=int, default=None, metavar="K",
                     help="hop K touches, leaves the plate briefly and touches again (flag double_contact)")
    p.add_argument("--asymmetry", type=float, default=0.0,
                   help="percent of the total force more on the LEFT plate: (L-R)/(L+R)*100 (default 0)")
    p.add_argument("--noise", type=float, default=2.0, help="SD of the total force noise in N (default 2)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--autostart", action="store_true",
                   help="stream after boot without waiting for START (text protocol always does)")
    p.add_argument("--clock-ppm", type=float, default=0.0,
                   help="device crystal error in ppm (the device samples that much fast or slow)")
    p.add_argument("--boot-delay", type=float, default=0.1, help="seconds from port open to boot banner")
    p.add_argument("--fault", action="append", default=[], metavar="SPEC",
                   help="drop:P, flip:P (probability per frame), stall:EVERY_S:MS, "
                   "unplug:AFTER_S[:FOR_S[:EVERY_S]]; repeatable")
    p.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    p.set_defaults(func=run)


def _build(args: argparse.Namespace) -> Any:
    from forcelab.simulation.motion import Script
    from forcelab.simulation.simulator import SimulatedPlates
    from forcelab.simulation.wire import FaultPlan, parse_fault

    test, load_cell = simulated_test(args.test)
    if args.trials < 0:
        raise CliError("--trials must be zero or more")
    if test == "balance" and args.trials:
        raise CliError("--test balance is quiet stance: the athlete stands and sways, no --trials")
    if args.sway is not None and not 0 < args.sway < 0.15:
        raise CliError(f"--sway must be a sway amplitude in metres, above 0 and under 0.15, got {args.sway:g}")
    if not -100.0 <= args.asymmetry <= 100.0:
        raise CliError(f"--asymmetry {args.asymmetry}: give a percentage between -100 and 100")
    params: dict[str, float] = {}
    mass = args.body_mass
    if load_cell:
        mass = LOAD_CELL_REST_KG
        params["peak_force"] = LOAD_CELL_PEAK_N
    asymmetry = args.asymmetry / 100.0
    single = args.test.lower().replace("-", "_") in SINGLE_LEG
    if args.limb is not None and not single:
        raise CliError(f"--limb applies to single-leg tests ({', '.join(SINGLE_LEG)}), not to --test {args.test}")
    if single:
        asymmetry = single_leg_asymmetry(args.limb)
        if args.jump_height is None and args.trials:
            params["jump_height"] = SINGLE_LEG_JUMP_M
    if args.load_kg is not None:
        if test not in ("cmj", "sj"):
            raise CliError(f"--load-kg applies to loaded jumps (--test cmj or sj), not to --test {args.test}")
        if not 0 <= args.load_kg < float("inf"):
            raise CliError(f"--load-kg must be a load in kilograms, zero or more, got {args.load_kg:g}")
        mass = args.body_mass + args.load_kg
    params.update(hop_params(args, test))
    if args.jump_height is not None:
        if test == "imtp":
            raise CliError("--jump-height does not apply to an isometric pull; use --peak-force")
        params["jump_height"] = args.jump_height
    if args.peak_force is not None:
        if test != "imtp":
            raise CliError("--peak-force applies to --test imtp only")
        params["peak_force"] = args.peak_force
    elif load_cell and not args.trials:
        params.clear()  # standing still on the cell: no scripted effort
    fault_fields: dict[str, float] = {}
    try:
        for spec in args.fault:
            fault_fields.update(parse_fault(spec))
        faults = FaultPlan(**fault_fields)
        script = None
        if args.trials:
            script = Script(trials=tuple((test, params) for _ in range(args.trials)), pause=args.pause,
                            repeat=args.repeat)
        elif params:
            raise CliError("--jump-height/--peak-force and the hop options need --trials N")
        return SimulatedPlates(
            rate=args.rate, protocol=args.protocol, channels=args.channels, body_mass=mass,
            asymmetry=asymmetry, noise=args.noise, seed=args.seed, script=script,
            autostart=True if args.autostart else None, faults=faults, boot_delay=args.boot_delay,
            clock_ppm=args.clock_ppm, sway=args.sway, text_units=args.text_units, text_delimiter={"tab": "\t", "space": " "}.get(args.delimiter, args.delimiter),
        )
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    """Run the simulator until Ctrl-C or ``--seconds``."""
    if args.seconds is not None and not args.seconds > 0:
        raise CliError("--seconds must be positive")
    sim = _build(args)
    try:
        sim.start()  # builds the scripted trials: an impossible jump is refused here
    except ValueError as exc:
        sim.stop()
        raise CliError(str(exc)) from exc
    try:
        _say(f"simulated plates on {sim.port}")
        _say(f"  ({args.protocol} protocol, {sim.channels} channels at {sim.rate} Hz, "
             f"currently {sim.device_path}; Ctrl-C to stop)")
        if args.load_kg is not None:
            _say(f"  athlete {args.body_mass:g} kg holding {args.load_kg:g} kg: the plates weigh "
                 f"{args.body_mass + args.load_kg:g} kg (analyse with --load-kg {args.load_kg:g})")
        plan = hop_params(args, simulated_test(args.test)[0])
        if plan:
            _say("  " + describe_hops(plan))
        deadline = None if args.seconds is None else time.monotonic() + args.seconds
        last = time.monotonic()
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.1 if deadline is None else max(0.0, min(0.1, deadline - time.monotonic())))
            if time.monotonic() - last >= 5.0:
                last = time.monotonic()
                s = sim.stats
                sys.stderr.write(
                    f"host {'connected' if sim.host_connected else 'not connected'}, "
                    f"{'streaming' if sim.streaming else 'idle'}: sent {s.samples_sent}, "
                    f"overrun {s.samples_overrun}, damaged {s.samples_damaged}, unplugs {s.unplugs}\n"
                )
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()
    s = sim.stats
    _say(f"stopped: {s.samples_generated} samples generated, {s.samples_sent} sent, "
         f"{s.samples_overrun} lost to overrun, {s.samples_damaged} damaged, {s.host_opens} host opens")
    return 0
