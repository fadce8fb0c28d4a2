#!/usr/bin/env python3
"""The report check of the lab's numa-probe.

Standard library only.

  check CONSOLE.log --map MAP.json --planned PLANNED.xml --expect with|without
      read the guest's report (guest/numa-init).  With `with`: the guest's
      has_generic_initiator lists exactly the nodes of the hostdevs'
      <acpi nodeset>s, none of them has CPUs or memory, and each
      stand-in's numa_node is the <node> of the expander bus it sits
      below.  With `without` (the same plan, its memoryless cells and
      generic initiators left out): no generic-initiator node at all and
      no node beyond the cells with CPUs.

Exit: 0 pass, 1 fail, 2 usage or unreadable input.
"""

import argparse
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labguest  # noqa: E402


def nodes(text):
    return set() if text in ('', 'absent') else set(labguest.nodeset_list(text))


def read_report(path):
    states, devs, diag, kernel = {}, [], [], None
    inside = False
    with open(path, errors='replace') as f:
        for raw in f:
            line = raw.strip('\r\n')
            if labguest.PROBE_BEGIN in line:
                inside = True
                continue
            if labguest.PROBE_END in line:
                break
            if not inside or not line.startswith('@@ '):
                continue
            p = line[3:].split(' ')
            if p[0] == 'K':
                kernel = ' '.join(p[1:])
            elif p[0] == 'S':
                states[p[1]] = p[2] if len(p) > 2 else ''
            elif p[0] == 'P' and len(p) >= 5:
                devs.append({'bdf': p[1], 'vendor': p[2], 'device': p[3],
                             'numa_node': int(p[4])})
            elif p[0] == 'D':
                diag.append(' '.join(p[1:]))
    return kernel, states, devs, diag


def expected_nodes(planned):
    """node -> hostdev source, from the plan's <acpi nodeset>s; and the
    source -> <node> of the expander bus above its root port."""
    dom = ET.parse(planned).getroot()
    ctrls = {c.get('index'): c for c in dom.findall('devices/controller')
             if c.get('type') == 'pci'}
    gi, pxbnode = {}, {}
    for hd in dom.findall('devices/hostdev'):
        src = labguest.hostdev_source(hd)
        acpi = hd.find('acpi')
        if acpi is not None and acpi.get('nodeset'):
            for n in labguest.nodeset_list(acpi.get('nodeset')):
                gi[n] = src
        port = ctrls.get(str(int(hd.find('address').get('bus'), 16)))
        pxb = ctrls.get(str(int(port.find('address').get('bus'), 16))) if port is not None else None
        node = pxb.find('target/node') if pxb is not None else None
        pxbnode[src] = int(node.text) if node is not None else -1
    return gi, pxbnode


def cmd_check(a):
    kernel, states, devs, diag = read_report(a.console)
    with open(a.map) as f:
        mapping = json.load(f)
    gi, pxbnode = expected_nodes(a.planned)
    errors = []
    print('guest kernel %s' % kernel)
    for k in sorted(states):
        print('  %-22s %s' % (k, states[k]))
    have_gi = nodes(states.get('has_generic_initiator', 'absent'))
    cpu = nodes(states.get('has_cpu', 'absent'))
    mem = nodes(states.get('has_memory', 'absent'))
    possible = nodes(states.get('possible', 'absent'))
    if a.expect == 'with':
        if states.get('has_generic_initiator') == 'absent':
            errors.append('the guest kernel has no has_generic_initiator node state')
        if have_gi != set(gi):
            errors.append('has_generic_initiator is %s, the plan names %s'
                          % (sorted(have_gi), sorted(gi)))
        if have_gi & (cpu | mem):
            errors.append('generic-initiator nodes with CPUs or memory: %s'
                          % sorted(have_gi & (cpu | mem)))
    else:
        if have_gi:
            errors.append('has_generic_initiator is %s without the cells' % sorted(have_gi))
        if possible - cpu:
            errors.append('nodes without CPUs %s without the cells' % sorted(possible - cpu))
    # each stand-in's own node: the guest bus numbers come from labguest
    want = {(mapping['vendor'], mapping['device'])}
    standins = [d for d in devs if (d['vendor'], d['device']) in want]
    if len(standins) != len(mapping['standins']):
        errors.append('%d stand-ins in the guest, %d planned'
                      % (len(standins), len(mapping['standins'])))
    expect_nodes = sorted(pxbnode[s['source']] for s in mapping['standins'])
    got_nodes = sorted(d['numa_node'] for d in standins)
    for d in standins:
        print('  stand-in %s numa_node %d' % (d['bdf'], d['numa_node']))
    if got_nodes != expect_nodes:
        errors.append('stand-ins are on guest nodes %s, their expander buses on %s'
                      % (got_nodes, expect_nodes))
    for line in errors:
        print('FAIL: ' + line)
    if errors:
        for line in diag:
            print('  dmesg: ' + line)
        return 1
    print('PASS: %s the cells: %s' % (a.expect, 'generic-initiator nodes %s'
                                      % sorted(have_gi) if a.expect == 'with'
                                      else 'no generic-initiator node'))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('check')
    p.add_argument('console')
    p.add_argument('--map', required=True)
    p.add_argument('--planned', required=True)
    p.add_argument('--expect', choices=('with', 'without'), required=True)
    a = ap.parse_args()
    sys.exit(cmd_check(a))


if __name__ == '__main__':
    main()
