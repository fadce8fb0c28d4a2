#!/usr/bin/env python3
"""BAR stand-ins and the BAR report check of the lab's bar-probe.

Standard library only; uses labguest.py (same directory) for the plan's
controllers and the guest bus numbers.  Subcommands:

  standin STANDIN.xml --map MAP.json --sysfs-root ROOT --shm-prefix P
          [--no-window] [--virtio N] [--bars-json OUT]
      STANDIN.xml is `labguest.py standin --model rng` of a plan.  Each
      stand-in endpoint (found at its hostdev's guest address) becomes one
      ivshmem-plain per 64-bit prefetchable BAR of the host device (sysfs
      `resource` of ROOT/sys/bus/pci/devices/SOURCE), as functions 0, 1, ...
      of its slot, each with a sparse shared memory backend of that BAR's
      size (the guest sees it as its 64-bit prefetchable BAR 2).
      --no-window drops <pcihole64> from the pcie-root controller (the
      same plan without its window), --virtio N adds N virtio-rng devices
      without an address (libvirt puts them on root ports of pcie.0).
  check CONSOLE.log --bars-json BARS.json --planned PLANNED.xml
        --expect assigned|unassigned
      read the guest's report (guest/bar-init) and check that every
      stand-in BAR is assigned with its size (or, with `unassigned`, that
      none is); with `assigned` the guest kernel must also not have
      reported a memory resource (BAR or bridge window, also of the
      virtio devices) it could not assign.

Exit status of check: 0 pass, 1 fail, 2 usage or unreadable input.
"""

import argparse
import json
import os
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labguest  # noqa: E402

IORESOURCE_MEM = 0x200
IORESOURCE_PREFETCH = 0x2000
IORESOURCE_MEM_64 = 0x100000
IVSHMEM_IDS = ('0x1af4', '0x1110')
IVSHMEM_BAR = 2
SHMEM_MIN = 1 << 20
OVMF_CODE = '/usr/share/OVMF/OVMF_CODE_4M.fd'
OVMF_VARS = '/usr/share/OVMF/OVMF_VARS_4M.fd'


def die(msg, code=2):
    print('barguest: %s' % msg, file=sys.stderr)
    sys.exit(code)


def human(n):
    for unit, shift in (('T', 40), ('G', 30), ('M', 20), ('K', 10)):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return '%d%s' % (n >> shift, unit)
    return str(n)


def host_bars(root, source):
    """Sizes of the 64-bit prefetchable memory BARs (0-5) of SOURCE."""
    path = os.path.join(root, 'sys/bus/pci/devices', source, 'resource')
    try:
        with open(path) as f:
            lines = f.read().split('\n')
    except OSError as e:
        die('%s: %s' % (source, e), 1)
    bars = []
    for idx, ln in enumerate(lines[:6]):
        p = ln.split()
        if len(p) != 3:
            continue
        start, end, flags = (int(x, 16) for x in p)
        want = IORESOURCE_MEM | IORESOURCE_PREFETCH | IORESOURCE_MEM_64
        if end > start and flags & want == want:
            bars.append({'index': idx, 'size': end - start + 1})
    return bars


def cmd_standin(a):
    for _, (prefix, uri) in ET.iterparse(a.standin, events=('start-ns',)):
        ET.register_namespace(prefix, uri)
    tree = ET.parse(a.standin)
    dom = tree.getroot()
    devices = dom.find('devices')
    with open(a.map) as f:
        mapping = json.load(f)
    out = {'window': None, 'standins': []}
    for c in devices.findall('controller'):
        if c.get('type') == 'pci' and c.get('model') == 'pcie-root':
            h = c.find('pcihole64')
            if h is not None:
                if a.no_window:
                    c.remove(h)
                else:
                    unit = h.get('unit', 'KiB')
                    mult = {'KiB': 1 << 10, 'MiB': 1 << 20, 'GiB': 1 << 30,
                            'TiB': 1 << 40, 'B': 1, 'bytes': 1}.get(unit)
                    if mult is None:
                        die('pcihole64 unit %s' % unit, 1)
                    out['window'] = int(h.text) * mult
    by_addr = {}
    for el in devices:
        ad = labguest.pci_addr(el)
        if ad is not None and el.tag == 'rng':
            by_addr[ad] = el
    slots = {}
    for s in mapping['standins']:
        slots.setdefault((s['controller'], s['slot']), []).append(s)
    n = 0
    for s in mapping['standins']:
        key = (s['controller'], s['slot'], s['function'])
        el = by_addr.get(key)
        if el is None:
            die('no stand-in at the guest address of hostdev %s' % s['source'], 1)
        bars = host_bars(a.sysfs_root, s['source'])
        if not bars:
            die('hostdev %s has no 64-bit prefetchable BAR in %s'
                % (s['source'], a.sysfs_root), 1)
        if len(bars) > 1 and (s['function'] != 0 or len(slots[key[:2]]) > 1):
            die('hostdev %s: %d 64-bit prefetchable BARs need the functions of its '
                'slot, which other hostdevs use' % (s['source'], len(bars)), 1)
        pos = list(devices).index(el)
        devices.remove(el)
        addr = el.find('address')
        for fn, bar in enumerate(bars):
            if bar['size'] & (bar['size'] - 1):
                die('hostdev %s BAR %d: size %d is not a power of two'
                    % (s['source'], bar['index'], bar['size']), 1)
            # libvirt refuses shmem below 1 MiB: a smaller BAR gets a 1 MiB
            # stand-in (more than the device needs, never less).
            size = max(bar['size'], SHMEM_MIN)
            sh = ET.Element('shmem', {'name': '%s-%d' % (a.shm_prefix, n)})
            n += 1
            ET.SubElement(sh, 'model', {'type': 'ivshmem-plain'})
            ET.SubElement(sh, 'size', {'unit': 'KiB'}).text = str(size >> 10)
            ad = ET.SubElement(sh, 'address', dict(addr.attrib))
            fn_here = s['function'] + fn
            ad.set('function', '0x%x' % fn_here)
            if len(bars) > 1 and fn == 0:
                ad.set('multifunction', 'on')
            devices.insert(pos + fn, sh)
            out['standins'].append({'source': s['source'], 'host_bar': bar['index'],
                                    'size': size, 'host_size': bar['size'],
                                    'controller': s['controller'],
                                    'slot': s['slot'], 'function': fn_here,
                                    'shm': sh.get('name')})
    typ = dom.find('os/type')
    emu = devices.find('emulator')
    arch = typ.get('arch', 'aarch64') if typ is not None else 'aarch64'
    if emu is not None:
        emu.text = '/usr/bin/qemu-system-%s' % arch
    if arch == 'x86_64':
        # libvirt's firmware autoselection picks OVMF.amdsev.fd (first by
        # descriptor name), which cannot boot a kernel from fw_cfg: name
        # the plain OVMF build.
        os_el = dom.find('os')
        fw = os_el.find('firmware')
        pos = list(os_el).index(fw) + 1 if fw is not None else 1
        ld = ET.Element('loader', {'readonly': 'yes', 'type': 'pflash'})
        ld.text = OVMF_CODE
        os_el.insert(pos, ld)
        nv = ET.Element('nvram', {'template': OVMF_VARS})
        nv.text = '/var/lib/libvirt/qemu/nvram/%s_VARS.fd' % dom.findtext('name')
        os_el.insert(pos + 1, nv)
    if a.phys_bits:
        cpu = dom.find('cpu')
        for m in cpu.findall('maxphysaddr'):
            cpu.remove(m)
        cpu.insert(0, ET.Element('maxphysaddr', {'mode': 'emulate',
                                                 'bits': str(a.phys_bits)}))
    for i in range(a.virtio):
        rng = ET.SubElement(devices, 'rng', {'model': 'virtio'})
        ET.SubElement(rng, 'backend', {'model': 'random'}).text = '/dev/urandom'
    ET.indent(tree, '  ')
    tree.write(sys.stdout, encoding='unicode')
    sys.stdout.write('\n')
    if a.bars_json:
        with open(a.bars_json, 'w') as f:
            json.dump(out, f, indent=1)


def parse_report(lines):
    devs, res, msgs, info = {}, {}, [], {}
    for ln in lines:
        p = ln.split()
        if not p:
            continue
        if p[0] == 'P' and len(p) >= 5:
            devs[p[1]] = (p[2], p[3], p[4])
        elif p[0] == 'R' and len(p) >= 6:
            res.setdefault(p[1], {})[int(p[2])] = tuple(int(x, 16) for x in p[3:6])
        elif p[0] == 'D':
            msgs.append(' '.join(p[1:]))
        elif p[0] == 'K':
            info['K'] = ' '.join(p[1:])
    return devs, res, msgs, info


def cmd_check(a):
    lines = labguest.report_lines(a.console, labguest.PROBE_BEGIN, labguest.PROBE_END)
    if lines is None:
        die('%s: no complete report from the guest' % a.console, 1)
    devs, res, msgs, info = parse_report(lines)
    with open(a.bars_json) as f:
        bars = json.load(f)
    dom = ET.parse(a.planned).getroot()
    ctl = labguest.pci_controllers(dom.find('devices'))
    busno = labguest.guest_bus_numbers(ctl)
    errors = []
    assigned = 0
    print('guest kernel %s, window %s' % (info.get('K'), human(bars['window'])
                                          if bars['window'] else 'none (machine default)'))
    for s in bars['standins']:
        bus = busno.get(s['controller'])
        bdf = labguest.fmt_bdf(bus, s['slot'], s['function']) if bus is not None else '?'
        what = 'hostdev %s BAR %d %s -> guest %s' % (s['source'], s['host_bar'],
                                                   human(s['host_size']), bdf)
        if s['size'] != s['host_size']:
            what += ' (stand-in %s)' % human(s['size'])
        if devs.get(bdf, ())[:2] != IVSHMEM_IDS:
            errors.append('%s: no ivshmem stand-in there (guest has %s)'
                          % (what, ' '.join(devs.get(bdf, ('nothing',)))))
            continue
        r = res.get(bdf, {}).get(IVSHMEM_BAR)
        if r is None or r[0] == 0:
            print('  %s BAR %d unassigned' % (what, IVSHMEM_BAR))
            if a.expect == 'assigned':
                errors.append('%s: BAR %d unassigned' % (what, IVSHMEM_BAR))
            continue
        size = r[1] - r[0] + 1
        print('  %s BAR %d at 0x%x-0x%x' % (what, IVSHMEM_BAR, r[0], r[1]))
        if size != s['size']:
            errors.append('%s: BAR %d has %s, not %s' % (what, IVSHMEM_BAR, human(size),
                                                         human(s['size'])))
        if not r[2] & IORESOURCE_MEM_64 or not r[2] & IORESOURCE_PREFETCH:
            errors.append('%s: BAR %d flags 0x%x are not 64-bit prefetchable'
                          % (what, IVSHMEM_BAR, r[2]))
        assigned += 1
        if a.expect == 'unassigned':
            errors.append('%s: BAR %d assigned although the window is too small'
                          % (what, IVSHMEM_BAR))
    for m in msgs[:12]:
        print('  guest kernel: %s' % m)
    if len(msgs) > 12:
        print('  guest kernel: ... %d more' % (len(msgs) - 12))
    # Only memory counts: the pxbs' root ports get no I/O window on `virt`,
    # with or without the 64-bit one.
    mem = [m for m in msgs if '[mem ' in m]
    if a.expect == 'assigned' and mem:
        errors.append('the guest kernel could not assign %d memory resource(s)' % len(mem))
    if not bars['standins']:
        errors.append('no stand-in BAR to check')
    print('%d of %d stand-in BARs assigned (expected: %s)'
          % (assigned, len(bars['standins']), a.expect))
    for e in errors:
        print('FAIL: %s' % e)
    sys.exit(1 if errors else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('standin')
    p.add_argument('standin')
    p.add_argument('--map', required=True)
    p.add_argument('--sysfs-root', required=True)
    p.add_argument('--shm-prefix', required=True)
    p.add_argument('--no-window', action='store_true')
    p.add_argument('--virtio', type=int, default=0)
    p.add_argument('--phys-bits', type=int, default=0)
    p.add_argument('--bars-json')
    p = sub.add_parser('check')
    p.add_argument('console')
    p.add_argument('--bars-json', required=True)
    p.add_argument('--planned', required=True)
    p.add_argument('--expect', choices=('assigned', 'unassigned'), required=True)
    a = ap.parse_args()
    {'standin': cmd_standin, 'check': cmd_check}[a.cmd](a)


if __name__ == '__main__':
    main()
