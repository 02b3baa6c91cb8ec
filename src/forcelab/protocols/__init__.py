"""Test protocols (batteries): a named list of steps a tester runs an athlete or a group through.

:mod:`~forcelab.protocols.model` holds the types and reads a protocol from its documented JSON form
(docs/protocols.md), checking every step against the tests and parameters the analysis knows *now*;
:mod:`~forcelab.protocols.library` finds the shipped protocols and the user's own (user config dir) and saves
new ones; :mod:`~forcelab.protocols.progress` follows one athlete through a protocol (which step, trials done
and accepted, which limb, rest remaining). No Qt, no archive: the app and the command line drive these.
"""
