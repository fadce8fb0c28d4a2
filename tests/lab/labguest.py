#!/usr/bin/env python3
"""Helpers for the lab's guest boot probes (guest-probe, capture-fixture).

Standard library only.  Subcommands:

  initramfs --busybox BB --init SCRIPT -o OUT [--add SRC:DST ...]
      write a newc cpio archive holding busybox, /init and /dev/console.
  standin PLANNED.xml --kernel K --initrd I --cmdline C --console F --name N
          [--model virtio-net|e1000e|xhci|rng] [--map OUT.json]
          [--generic-initiators]
      turn a planned domain into one that the lab can start under TCG.
      Memoryless NUMA cells are dropped unless --generic-initiators, which
      keeps them and adds, for each stand-in of a hostdev with <acpi
      nodeset>, QEMU's acpi-generic-initiator objects naming it.
  template IN.xml --set KEY=VALUE ...
      replace @KEY@ placeholders (capture-fixture's domain template).
  check PLANNED.xml CONSOLE.log --map MAP.json [--expect-json F] [--save-json F]
      parse the probe report and check it against the plan.
  decode CONSOLE.log OUTDIR
      rebuild a sysfs fixture tree from a capture manifest.
  markers CONSOLE.log BEGIN END
      exit 0 when the file holds a complete BEGIN..END block.

Exit status of check: 0 pass, 1 fail, 2 usage or unreadable input.
"""

import argparse
import base64
import copy
import json
import os
import re
import stat
import sys
import xml.etree.ElementTree as ET

PROBE_BEGIN = '@@VIOMMU-PROBE-BEGIN@@'
PROBE_END = '@@VIOMMU-PROBE-END@@'
CAPTURE_BEGIN = '@@VIOMMU-CAPTURE-BEGIN@@'
CAPTURE_END = '@@VIOMMU-CAPTURE-END@@'
LINE_TAG = '@@ '
PLAN_NS = 'urn:virt-viommu:plan:1'
QEMU_NS = 'http://libvirt.org/schemas/domain/qemu/1.0'

# Stand-in endpoints: libvirt XML snippet and the PCI IDs the guest sees.
STANDINS = {
    'virtio-net': ("<interface type='user'><model type='virtio'/></interface>",
                   ('0x1af4', '0x1041')),
    'e1000e': ("<interface type='user'><model type='e1000e'/></interface>",
               ('0x8086', '0x10d3')),
    'xhci': ("<controller type='usb' model='qemu-xhci'/>",
             ('0x1b36', '0x000d')),
    'rng': ("<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
            ('0x1af4', '0x1044')),
}

# Controller models that are PCI bridges (they own a secondary bus in the guest).
BRIDGE_MODELS = {'pcie-root-port', 'pcie-switch-upstream-port',
                 'pcie-switch-downstream-port', 'pcie-to-pci-bridge',
                 'dmi-to-pci-bridge', 'pci-bridge'}
ROOT_MODELS = {'pcie-root', 'pcie-expander-bus', 'pci-root', 'pci-expander-bus'}

# Devices of the input that a stand-in run cannot use (host files, host
# resources, consoles): dropped with a note.
DROP_DEVICES = {'disk', 'filesystem', 'interface', 'graphics', 'video', 'sound',
                'channel', 'console', 'serial', 'parallel', 'input', 'tpm',
                'redirdev', 'smartcard', 'rng', 'hub', 'shmem', 'watchdog',
                'vsock', 'crypto', 'panic', 'audio', 'lease', 'memory',
                'pstore'}


def die(msg, code=2):
    print('labguest: %s' % msg, file=sys.stderr)
    sys.exit(code)


def nodeset_list(text):
    """'1-3,7' -> [1, 2, 3, 7]"""
    out = []
    for part in text.split(','):
        lo, _, hi = part.strip().partition('-')
        out += range(int(lo), int(hi or lo) + 1)
    return out


def ival(s):
    return int(s, 0) if isinstance(s, str) else int(s)


# ---------------------------------------------------------------- initramfs

class Cpio:
    """newc ("070701") writer."""

    def __init__(self):
        self.out = bytearray()
        self.ino = 300000

    def _entry(self, name, mode, data=b'', rdev=(0, 0)):
        self.ino += 1
        name_b = name.encode() + b'\0'
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0,
                  rdev[0], rdev[1], len(name_b), 0]
        hdr = b'070701' + b''.join(b'%08X' % f for f in fields)
        self.out += hdr + name_b
        self.out += b'\0' * (-len(self.out) % 4)
        self.out += data
        self.out += b'\0' * (-len(self.out) % 4)

    def dir(self, name):
        self._entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, data, mode=0o644):
        self._entry(name, stat.S_IFREG | mode, data)

    def symlink(self, name, target):
        self._entry(name, stat.S_IFLNK | 0o777, target.encode())

    def chardev(self, name, major, minor, mode=0o600):
        self._entry(name, stat.S_IFCHR | mode, rdev=(major, minor))

    def finish(self):
        self._entry('TRAILER!!!', 0)
        self.out += b'\0' * (-len(self.out) % 512)
        return bytes(self.out)


def cmd_initramfs(a):
    c = Cpio()
    made = set()

    def mkdirs(path):
        parts = path.strip('/').split('/')
        for i in range(1, len(parts) + 1):
            d = '/'.join(parts[:i])
            if d and d not in made:
                c.dir(d)
                made.add(d)

    for d in ('bin', 'sbin', 'usr/bin', 'usr/sbin', 'dev', 'proc', 'sys', 'tmp', 'lib'):
        mkdirs(d)
    c.chardev('dev/console', 5, 1)
    c.chardev('dev/null', 1, 3, 0o666)
    with open(a.busybox, 'rb') as f:
        c.file('bin/busybox', f.read(), 0o755)
    c.symlink('bin/sh', 'busybox')
    with open(a.init, 'rb') as f:
        c.file('init', f.read(), 0o755)
    for spec in a.add or []:
        src, dst = spec.split(':', 1)
        dst = dst.strip('/')
        mkdirs(os.path.dirname(dst))
        with open(src, 'rb') as f:
            c.file(dst, f.read(), 0o644)
    with open(a.output, 'wb') as f:
        f.write(c.finish())


# ---------------------------------------------------------------- domain XML

def pci_addr(el):
    """(bus, slot, function) of an <address type='pci'> child, or None."""
    ad = el.find('address')
    if ad is None or ad.get('type') != 'pci':
        return None
    return (ival(ad.get('bus', '0')), ival(ad.get('slot', '0')),
            ival(ad.get('function', '0')))


def fmt_bdf(bus, slot, fn, dom=0):
    return '%04x:%02x:%02x.%x' % (dom, bus, slot, fn)


def hostdev_source(hd):
    ad = hd.find('source/address')
    if ad is None:
        return '?'
    return fmt_bdf(ival(ad.get('bus', '0')), ival(ad.get('slot', '0')),
                   ival(ad.get('function', '0')), ival(ad.get('domain', '0')))


def pci_controllers(devices):
    ctl = {}
    for c in devices.findall('controller'):
        if c.get('type') != 'pci':
            continue
        idx = int(c.get('index'))
        t = c.find('target')
        ctl[idx] = {
            'index': idx,
            'model': c.get('model'),
            'addr': pci_addr(c),
            'busNr': ival(t.get('busNr')) if t is not None and t.get('busNr') else None,
            'node': (t.findtext('node') or '').strip() or None if t is not None else None,
        }
    if 0 not in ctl:
        ctl[0] = {'index': 0, 'model': 'pcie-root', 'addr': None, 'busNr': None}
    return ctl


def guest_bus_numbers(ctl):
    """Predict the guest bus number of every controller index.

    Model (checked against the guest by `check`): pcie.0 is bus 0, a pxb's
    root bus is its busNr; below each root bus, bridges get consecutive
    numbers depth first in (slot, function) order, starting at root + 1.
    """
    children = {}
    for c in ctl.values():
        if c['addr'] is not None and c['model'] in BRIDGE_MODELS:
            children.setdefault(c['addr'][0], []).append(c)
    busno = {}

    def walk(idx, counter):
        for c in sorted(children.get(idx, []), key=lambda c: c['addr'][1:]):
            counter += 1
            busno[c['index']] = counter
            counter = walk(c['index'], counter)
        return counter

    for c in ctl.values():
        if c['model'] in ROOT_MODELS:
            root = 0 if c['index'] == 0 else c['busNr']
            if root is None:
                continue
            busno[c['index']] = root
            walk(c['index'], root)
    return busno


def root_of(ctl, idx):
    """Controller index of the root bus (0 or a pxb) above controller IDX."""
    seen = set()
    while idx not in seen:
        seen.add(idx)
        c = ctl.get(idx)
        if c is None:
            return None
        if c['model'] in ROOT_MODELS:
            return idx
        if c['addr'] is None:
            return None
        idx = c['addr'][0]
    return None


def cmd_standin(a):
    try:
        for _, (prefix, uri) in ET.iterparse(a.planned, events=('start-ns',)):
            ET.register_namespace(prefix, uri)
        tree = ET.parse(a.planned)
    except (OSError, ET.ParseError) as e:
        die('%s: %s' % (a.planned, e))
    dom = tree.getroot()
    notes = []
    if dom.tag != 'domain':
        die('%s: not a <domain>' % a.planned)
    dom.set('type', 'qemu')
    for tag in ('name', 'uuid', 'title', 'description'):
        for el in dom.findall(tag):
            dom.remove(el)
    name = ET.Element('name')
    name.text = a.name
    dom.insert(0, name)

    for el in dom.findall('iommufd'):
        dom.remove(el)
        notes.append('dropped <iommufd> (TCG)')
    for tag in ('numatune', 'memoryBacking', 'cputune', 'blkiotune', 'memtune',
                'resource', 'sysinfo', 'idmap', 'launchSecurity', 'currentMemory',
                'maxMemory', 'on_poweroff', 'on_reboot', 'on_crash', 'seclabel'):
        for el in dom.findall(tag):
            dom.remove(el)
            if tag not in ('currentMemory', 'on_poweroff', 'on_reboot', 'on_crash'):
                notes.append('dropped <%s>' % tag)

    # CPU: keep guest NUMA cells, TCG-friendly mode, small memory.
    cells = []
    cpu = dom.find('cpu')
    numa = cpu.find('numa') if cpu is not None else None
    if numa is not None:
        cells = numa.findall('cell')
    newcpu = ET.Element('cpu', {'mode': 'maximum'})
    # Memoryless, CPU-less cells (a device's generic-initiator nodes) are
    # kept as such with --generic-initiators, else dropped.
    empty = [c for c in cells if not c.get('cpus') and c.get('memory') == '0']
    if not getattr(a, 'generic_initiators', False):
        if empty:
            notes.append('dropped %d memoryless NUMA cells' % len(empty))
        cells = [c for c in cells if c not in empty]
        empty = []
    if cells:
        newnuma = ET.SubElement(newcpu, 'numa')
        for i, cell in enumerate(cells):
            attrs = {'id': cell.get('id', str(i)), 'memory': '512', 'unit': 'MiB'}
            if cell in empty:
                attrs = {'id': attrs['id'], 'memory': '0', 'unit': 'KiB'}
            else:
                attrs['cpus'] = cell.get('cpus')
            ET.SubElement(newnuma, 'cell', attrs)
        cells = [c for c in cells if c not in empty]
    if cpu is not None:
        pos = list(dom).index(cpu)
        dom.remove(cpu)
        dom.insert(pos, newcpu)
    else:
        dom.append(newcpu)
    mem = dom.find('memory')
    if mem is None:
        mem = ET.SubElement(dom, 'memory')
    mem.attrib = {'unit': 'MiB'}
    mem.text = str(512 * len(cells)) if cells else '1024'
    vcpu = dom.find('vcpu')
    if vcpu is None:
        vcpu = ET.SubElement(dom, 'vcpu')
    vcpu.attrib.pop('cpuset', None)     # host CPUs the lab may not have
    if not cells:
        vcpu.attrib = {}
        vcpu.text = '1'
    for el in list(dom):
        if el.tag == 'vcpus':
            dom.remove(el)

    # OS: UEFI (ACPI/IORT), secure boot off, direct kernel boot.
    os_el = dom.find('os')
    if os_el is None:
        die('%s: no <os>' % a.planned)
    os_el.set('firmware', 'efi')
    for tag in ('loader', 'nvram', 'kernel', 'initrd', 'cmdline', 'dtb', 'boot',
                'firmware', 'bootmenu', 'smbios', 'acpi'):
        for el in os_el.findall(tag):
            os_el.remove(el)
    fw = ET.SubElement(os_el, 'firmware')
    ET.SubElement(fw, 'feature', {'enabled': 'no', 'name': 'secure-boot'})
    ET.SubElement(os_el, 'kernel').text = a.kernel
    ET.SubElement(os_el, 'initrd').text = a.initrd
    ET.SubElement(os_el, 'cmdline').text = a.cmdline
    # firmware must come right after <type> for the schema.
    typ = os_el.find('type')
    os_el.remove(fw)
    os_el.insert(list(os_el).index(typ) + 1 if typ is not None else 0, fw)

    feats = dom.find('features')
    if feats is None:
        feats = ET.Element('features')
        dom.insert(list(dom).index(os_el) + 1, feats)
    if feats.find('acpi') is None:
        feats.insert(0, ET.Element('acpi'))
    for tag in ('kvm', 'hyperv', 'hpt', 'htm', 'ccf-assist', 'cfpc', 'sbbc', 'ibs',
                'async-teardown', 'ras'):
        for el in feats.findall(tag):
            feats.remove(el)

    pos = list(dom).index(feats)
    for tag in ('on_poweroff', 'on_reboot', 'on_crash'):
        el = ET.Element(tag)
        el.text = 'destroy'
        pos += 1
        dom.insert(pos, el)

    # The plan record's <options> are the vIOMMU options virt-viommu plans
    # with (it reads accel from there, not from <iommu>): make them agree
    # with the stand-in's <iommu> elements, which lose accel and its options.
    for opts in dom.findall('metadata/{%s}plan/{%s}options' % (PLAN_NS, PLAN_NS)):
        dropped = [k for k in opts.attrib if k != 'model']
        for k in dropped:
            del opts.attrib[k]
        if dropped:
            notes.append('plan record options %s dropped (TCG)' % ','.join(dropped))

    devices = dom.find('devices')
    if devices is None:
        die('%s: no <devices>' % a.planned)
    model_xml, model_ids = STANDINS[a.model]
    mapping = {'model': a.model, 'vendor': model_ids[0], 'device': model_ids[1],
               'standins': [], 'notes': notes}
    newdevs = []
    gi_args = []
    hd_n = 0
    if sd_is_usb := (a.model == 'xhci'):
        # Stand-ins must be the only qemu-xhci controllers for the count check.
        for el in devices.findall('controller'):
            if el.get('type') == 'usb':
                devices.remove(el)
                notes.append('dropped USB controllers (xhci stand-ins)')
    for el in list(devices):
        if el.tag == 'hostdev' and el.get('type') == 'pci':
            addr = el.find('address')
            src = hostdev_source(el)
            if addr is None or addr.get('type') != 'pci':
                die('hostdev %s has no guest <address type="pci"> in the plan' % src, 1)
            sd = ET.fromstring(model_xml)
            if sd.tag == 'interface':
                ET.SubElement(sd, 'mac', {'address': '52:54:00:%02x:%02x:%02x' % (
                    0x7e, hd_n >> 8, hd_n & 0xff)})
            if sd.tag == 'controller':
                sd.set('index', str(100 + hd_n))
            sd.append(copy.deepcopy(addr))
            b, s, f = pci_addr(el)
            entry = {'source': src, 'controller': b, 'slot': s, 'function': f}
            acpi = el.find('acpi')
            if getattr(a, 'generic_initiators', False) and acpi is not None and acpi.get('nodeset'):
                # libvirt writes acpi-generic-initiator objects only for a
                # <hostdev>; for its stand-in they go in by hand, naming
                # the stand-in by a user alias
                alias = 'ua-standin%d' % hd_n
                ET.SubElement(sd, 'alias', {'name': alias})
                entry['nodes'] = nodeset_list(acpi.get('nodeset'))
                for node in entry['nodes']:
                    gi_args.append('acpi-generic-initiator,id=gi%d,pci-dev=%s,node=%d'
                                   % (len(gi_args), alias, node))
            mapping['standins'].append(entry)
            newdevs.append(sd)
            devices.remove(el)
            hd_n += 1
        elif el.tag == 'hostdev':
            devices.remove(el)
            notes.append('dropped non-PCI <hostdev>')
        elif el.tag == 'iommu':
            drv = el.find('driver')
            if drv is not None:
                for k in list(drv.attrib):
                    if k != 'pciBus':
                        del drv.attrib[k]
        elif el.tag in DROP_DEVICES:
            devices.remove(el)
            notes.append('dropped <%s>' % el.tag)
        elif el.tag == 'memballoon':
            el.attrib = {'model': 'none'}
            for ch in list(el):
                el.remove(ch)
        elif el.tag == 'controller' and el.get('type') == 'pci':
            t = el.find('target')
            if t is not None and not cells:
                for n in t.findall('node'):
                    t.remove(n)
        elif el.tag == 'emulator':
            el.text = '/usr/bin/qemu-system-aarch64'
    for sd in newdevs:
        devices.append(sd)
    if not sd_is_usb and not any(c.get('type') == 'usb' for c in devices.findall('controller')):
        devices.append(ET.Element('controller', {'type': 'usb', 'model': 'none'}))
    ser = ET.SubElement(devices, 'serial', {'type': 'file'})
    ET.SubElement(ser, 'source', {'path': a.console, 'append': 'off'})
    ET.SubElement(ser, 'target', {'port': '0'})
    if devices.find('memballoon') is None:
        devices.append(ET.Element('memballoon', {'model': 'none'}))

    if gi_args:
        ET.register_namespace('qemu', QEMU_NS)
        cl = ET.SubElement(dom, '{%s}commandline' % QEMU_NS)
        for arg in gi_args:
            ET.SubElement(cl, '{%s}arg' % QEMU_NS, {'value': '-object'})
            ET.SubElement(cl, '{%s}arg' % QEMU_NS, {'value': arg})

    ET.indent(tree, '  ')
    tree.write(sys.stdout, encoding='unicode')
    sys.stdout.write('\n')
    if a.map:
        with open(a.map, 'w') as f:
            json.dump(mapping, f, indent=1)


def cmd_template(a):
    with open(a.template) as f:
        text = f.read()
    for kv in a.set or []:
        k, v = kv.split('=', 1)
        text = text.replace('@%s@' % k, v)
    left = re.findall(r'@[A-Z_]+@', text)
    if left:
        die('unset placeholders: %s' % ' '.join(sorted(set(left))))
    sys.stdout.write(text)


# ---------------------------------------------------------------- report

def report_lines(path, begin, end):
    """Tagged lines of the last complete BEGIN..END block, or None."""
    try:
        with open(path, 'rb') as f:
            raw = f.read().decode('utf-8', 'replace')
    except OSError:
        return None
    raw = raw.replace('\r', '')
    bi = raw.rfind(begin)
    if bi < 0:
        return None
    ei = raw.find(end, bi)
    if ei < 0:
        return None
    body = raw[bi + len(begin):ei]
    tail = raw[ei + len(end):].split('\n', 1)[0]
    m = re.search(r'n=(\d+)', tail)
    lines = []
    for ln in body.split('\n'):
        i = ln.find(LINE_TAG)
        if i >= 0:
            lines.append(ln[i + len(LINE_TAG):].rstrip())
    if m and int(m.group(1)) != len(lines):
        print('labguest: warning: report says %s lines, read %d (console interleaving?)'
              % (m.group(1), len(lines)), file=sys.stderr)
    return lines


def cmd_markers(a):
    sys.exit(0 if report_lines(a.console, a.begin, a.end) is not None else 1)


# What QEMU 11.1's emulated SMMUv3 advertises (hw/arm/smmuv3.c,
# smmuv3_init_id_regs(), accel off): OAS field 4 (44 bits), SSIDSIZE 0,
# RIL 1, no ATS; S1P/S2P from its "stage" property.
QEMU_SMMUV3 = {'type': 'arm-smmuv3', 'oas': '44', 'ssidsize': '0', 'ril': '1', 'ats': '0',
               'cmdqv': 'no'}
QEMU_STAGES = {'1': ('1', '0'), '2': ('0', '1'), 'nested': ('1', '1')}
# What QEMU 11.1's intel-iommu advertises for caps-probe's two property
# sets (hw/i386/intel_iommu.c, vtd_cap_init()): MGAW = aw-bits, SAGAW
# 39-bit (0x2) plus 48-bit (0x4) when aw-bits is 48, CM = caching-mode,
# ecap DT = device-iotlb, IR = intremap, never NEST.
QEMU_VTD = {
    'a': {'type': 'intel-vtd', 'aw_bits': '48', 'sagaw': '0x6', 'caching_mode': '1',
          'iotlb': '1', 'intremap': '1', 'nesting': '0'},
    'b': {'type': 'intel-vtd', 'aw_bits': '39', 'sagaw': '0x2', 'caching_mode': '0',
          'iotlb': '0', 'intremap': '0', 'nesting': '0'},
}


def caps_check_virt_viommu(lines, reads, bad):
    """The virt-viommu lines of the x86_64 guest: check --ready before and
    after binding, and scan's VT-d values against the reader's."""
    y = {'1': [], '2': []}
    yrc = {}
    scan = []
    for ln in lines:
        p = ln.split(None, 1)
        if not p:
            continue
        if p[0] in ('Y1', 'Y2'):
            y[p[0][1]].append(p[1] if len(p) > 1 else '')
        elif p[0] in ('YRC1', 'YRC2'):
            yrc[p[0][3]] = p[1].strip() if len(p) > 1 else ''
        elif p[0] == 'S':
            scan.append(p[1] if len(p) > 1 else '')
    want = {'1': ['no-kvm', 'not-vfio'], '2': ['no-kvm']}
    for n in ('1', '2'):
        got = sorted(l.split()[0] for l in y[n][:-1] if l.strip())
        print('  check --ready %s binding: exit %s, %s' % ('before' if n == '1' else 'after',
                                                          yrc.get(n), ', '.join(got) or 'nothing'))
        if got != want[n] or yrc.get(n) != '1':
            bad.append('check --ready %s binding: %s (exit %s), expected %s (exit 1)'
                       % ('before' if n == '1' else 'after', got, yrc.get(n), want[n]))
            for l in y[n]:
                print('    ' + l)
    # the VFIO-bound device's BARs as VFIO reports them (its cdev bound to
    # an iommufd, VFIO_DEVICE_GET_REGION_INFO): the sizes sysfs shows
    for k, l in enumerate(scan):
        if 'driver=vfio-pci' not in l:
            continue
        sysfs = re.search(r'bars=(\S+)', l)
        nxt = scan[k + 1].strip() if k + 1 < len(scan) else ''
        want = ' '.join('BAR%s %s%s' % (b.split(':')[0], b.split(':')[1].split('/')[0],
                                         ' io' if b.endswith('/io') else '')
                        for b in sysfs.group(1).split(',')) if sysfs else None
        print('  scan: %s (sysfs bars=%s)' % (nxt, sysfs.group(1) if sysfs else '-'))
        if not nxt.startswith('vfio: ') or nxt[len('vfio: '):] != want:
            bad.append('scan shows "%s" for the vfio-pci device, expected "vfio: %s"' % (nxt, want))
    caps = [l.strip() for l in scan if l.strip().startswith('caps:')]
    print('  scan: %s' % (caps[0] if caps else 'no caps line'))
    ok = [p for p in reads if p[3] == 'ok']
    if len(caps) != 1 or not ok:
        bad.append('scan shows %d caps lines, expected 1: %s' % (len(caps), scan))
        return
    got = dict(kv.split('=', 1) for kv in ok[0][4:] if '=' in kv)
    onoff = {'1': 'on', '0': 'off'}
    want_scan = 'caps: aw_bits=%s caching_mode=%s iotlb=%s intremap=%s' % (
        got.get('aw_bits'), onoff.get(got.get('caching_mode')), onoff.get(got.get('iotlb')),
        onoff.get(got.get('intremap')))
    if not caps[0].startswith(want_scan) or not caps[0].endswith('(sysfs)'):
        bad.append('scan says "%s", the reader read "%s ... (sysfs)"' % (caps[0], want_scan))


def cmd_caps_check(a):
    lines = report_lines(a.console, '@@VIOMMU-CAPS-BEGIN@@', '@@VIOMMU-CAPS-END@@')
    if lines is None:
        print('caps-check: no complete report in %s' % a.console)
        sys.exit(1)
    bad = []
    devs, reads, rc = {}, [], None
    for ln in lines:
        p = ln.split()
        if not p:
            continue
        if p[0] == 'K':
            print('  guest kernel %s' % p[1])
        elif p[0] == 'D' and len(p) == 3 and p[2] != 'present':
            bad.append('%s is missing in the guest' % p[1])
        elif p[0] == 'B' and len(p) >= 2:
            devs[p[1]] = p[2] if len(p) > 2 else 'none'
        elif p[0] == 'C' and len(p) >= 4:
            reads.append(p)
        elif p[0] == 'R':
            rc = p[1]
    ndevs = 1 if a.vtd else 2
    if len(devs) != ndevs:
        bad.append('expected %d pci-testdev, the guest has %d' % (ndevs, len(devs)))
    for bdf, drv in sorted(devs.items()):
        if drv != 'vfio-pci':
            bad.append('%s is bound to %s, not vfio-pci' % (bdf, drv))
    if a.vtd:
        want = QEMU_VTD[a.vtd]
        shown = ('cap', 'ecap', 'aw_bits', 'sagaw', 'caching_mode', 'iotlb', 'intremap', 'nesting')
    else:
        s1p, s2p = QEMU_STAGES[a.stage]
        want = dict(QEMU_SMMUV3, s1p=s1p, s2p=s2p, nesting='1' if s1p == s2p == '1' else '0')
        shown = ('idr', 'oas', 'ssidsize', 'ril', 'ats', 's1p', 's2p', 'cmdqv')
    iommus = set()
    for p in reads:
        bdf, iommu, status = p[1], p[2], p[3]
        if status != 'ok':
            bad.append('%s (%s): %s' % (bdf, iommu, ' '.join(p[4:])))
            continue
        iommus.add(iommu)
        got = dict(kv.split('=', 1) for kv in p[4:] if '=' in kv)
        for k, v in sorted(want.items()):
            if got.get(k) != v:
                bad.append('%s behind %s: %s=%s, QEMU advertises %s' % (bdf, iommu, k, got.get(k), v))
        print('  %s behind %s: %s' % (bdf, iommu, ' '.join('%s=%s' % (k, got.get(k)) for k in shown)))
    if len(reads) != len(devs):
        bad.append('%d devices, %d reads' % (len(devs), len(reads)))
    if len(iommus) != ndevs and not any(p[3] != 'ok' for p in reads):
        bad.append('expected %d different IOMMUs, read %s' % (ndevs, sorted(iommus)))
    if rc != '0':
        bad.append('the reader exited %s' % rc)
    if a.virt_viommu:
        caps_check_virt_viommu(lines, reads, bad)
    for b in bad:
        print('  ' + b)
    sys.exit(1 if bad else 0)

def parse_probe(lines):
    devs, iommus, info, bridges, groups = {}, {}, {}, {}, {}
    for ln in lines:
        p = ln.split()
        if not p:
            continue
        if p[0] == 'P' and len(p) >= 7:
            devs[p[1]] = {'bdf': p[1], 'vendor': p[2], 'device': p[3], 'class': p[4],
                          'iommu': None if p[5] == 'none' else p[5],
                          'group': None if p[6] == 'none' else p[6],
                          'driver': p[7] if len(p) > 7 and p[7] != 'none' else None,
                          'numa_node': p[8] if len(p) > 8 and p[8] != 'none' else None}
        elif p[0] == 'I' and len(p) >= 3:
            iommus[p[1]] = p[2]
        elif p[0] == 'B' and len(p) >= 3:
            bridges[p[1]] = int(p[2], 16)
        elif p[0] == 'G' and len(p) >= 3:
            groups[p[1]] = p[2]
        elif p[0] in ('K', 'T'):
            info[p[0]] = ' '.join(p[1:])
    return devs, iommus, info, bridges, groups


def cmd_check(a):
    lines = report_lines(a.console, PROBE_BEGIN, PROBE_END)
    if lines is None:
        die('%s: no complete probe report' % a.console, 1)
    devs, iommus, info, bridges, groups = parse_probe(lines)
    with open(a.map) as f:
        mapping = json.load(f)
    dom = ET.parse(a.planned).getroot()
    devices = dom.find('devices')
    ctl = pci_controllers(devices)
    busno = guest_bus_numbers(ctl)
    iommu_buses = []
    for io in devices.findall('iommu'):
        d = io.find('driver')
        if d is not None and d.get('pciBus') is not None:
            iommu_buses.append(int(d.get('pciBus')))

    errors = []
    pxbs = sorted((c for c in ctl.values() if c['model'] == 'pcie-expander-bus'),
                  key=lambda c: c['busNr'])
    # Bus ranges: a pxb owns busNr .. next higher pxb's busNr - 1 (or 255);
    # pcie.0 owns 0 .. lowest busNr - 1.
    ranges = []
    lo_nr = [c['busNr'] for c in pxbs]
    for i, c in enumerate(pxbs):
        hi = lo_nr[i + 1] - 1 if i + 1 < len(pxbs) else 255
        ranges.append((c['busNr'], hi, c['index']))
    ranges.append((0, (lo_nr[0] - 1) if lo_nr else 255, 0))

    def owner(bus):
        for lo, hi, idx in ranges:
            if lo <= bus <= hi:
                return idx
        return None

    by_root = {}
    for bdf, d in sorted(devs.items()):
        bus = int(bdf.split(':')[1], 16)
        d['root'] = owner(bus)
        by_root.setdefault(d['root'], []).append(d)

    result = {'pxbs': [], 'devices': [], 'iommus': iommus, 'kernel': info.get('K'),
              'group_types': sorted(set(groups.values()))}

    smmu_of_pxb = {}
    for c in pxbs:
        idx = c['index']
        members = by_root.get(idx, [])
        smmus = sorted({d['iommu'] or 'none' for d in members})
        entry = {'controller': idx, 'busNr': c['busNr'],
                 'range': [r for r in ranges if r[2] == idx][0][:2],
                 'has_iommu_element': idx in iommu_buses,
                 'smmu': smmus[0] if len(smmus) == 1 else smmus,
                 'devices': [d['bdf'] for d in members]}
        result['pxbs'].append(entry)
        if idx not in iommu_buses and any(
                root_of(ctl, s['controller']) == idx for s in mapping['standins']):
            errors.append('pxb index %d (busNr %d) holds hostdevs but no <iommu> names it'
                          % (idx, c['busNr']))
        if c['node'] is not None:
            wrong = [d['bdf'] for d in members if d.get('numa_node') != c['node']]
            entry['node'] = c['node']
            if wrong:
                errors.append('(d) pxb index %d has <node>%s</node>, guest numa_node differs '
                              'for %s' % (idx, c['node'], ', '.join(
                                  '%s=%s' % (b, devs[b].get('numa_node')) for b in wrong)))
        if not members:
            errors.append('pxb index %d (busNr %d): no guest device on its buses'
                          % (idx, c['busNr']))
            continue
        if len(smmus) != 1:
            errors.append('(a) pxb index %d (busNr %d): devices behind different IOMMUs: %s'
                          % (idx, c['busNr'], ', '.join(
                              '%s=%s' % (d['bdf'], d['iommu'] or 'none') for d in members)))
        elif smmus[0] == 'none' and idx in iommu_buses:
            errors.append('(a) pxb index %d (busNr %d): devices have no IOMMU although an '
                          '<iommu> names this bus' % (idx, c['busNr']))
        else:
            smmu_of_pxb[idx] = smmus[0]
    seen = {}
    for idx, s in smmu_of_pxb.items():
        if s == 'none':
            continue
        if s in seen:
            errors.append('(b) pxb index %d and pxb index %d both report %s'
                          % (seen[s], idx, s))
        seen[s] = idx
    for idx in smmu_of_pxb:
        s = smmu_of_pxb[idx]
        if s != 'none' and s not in iommus:
            errors.append('pxb index %d: %s is not in /sys/class/iommu' % (idx, s))

    # (c) stand-ins at the planned place; bus numbers as predicted.
    for c in ctl.values():
        if c['model'] in BRIDGE_MODELS and c['index'] in busno:
            # The bridge itself sits on its parent's bus at its slot.
            parent_bus = busno.get(c['addr'][0])
            if parent_bus is None:
                continue
            bdf = fmt_bdf(parent_bus, c['addr'][1], c['addr'][2])
            if bdf not in devs:
                errors.append('(c) controller index %d (%s) expected at guest %s, not there'
                              % (c['index'], c['model'], bdf))
            elif bridges.get(bdf) != busno[c['index']]:
                errors.append('(c) controller index %d (%s) at guest %s: secondary bus %s, '
                              'predicted %02x' % (c['index'], c['model'], bdf,
                                                  '%02x' % bridges[bdf] if bdf in bridges
                                                  else 'unknown', busno[c['index']]))
    for s in mapping['standins']:
        gb = busno.get(s['controller'])
        root = root_of(ctl, s['controller'])
        if gb is None:
            errors.append('(c) hostdev %s: controller index %d has no guest bus number'
                          % (s['source'], s['controller']))
            continue
        bdf = fmt_bdf(gb, s['slot'], s['function'])
        d = devs.get(bdf)
        rec = {'source': s['source'], 'guest': bdf, 'controller': s['controller'],
               'pxb': root, 'smmu': d['iommu'] if d else None,
               'group': d['group'] if d else None}
        result['devices'].append(rec)
        if d is None:
            errors.append('(c) hostdev %s: stand-in expected at guest %s (controller index '
                          '%d slot %d), not found' % (s['source'], bdf, s['controller'],
                                                      s['slot']))
            continue
        if (d['vendor'], d['device']) != (mapping['vendor'], mapping['device']):
            errors.append('(c) hostdev %s: guest %s is %s:%s, not the %s stand-in %s:%s'
                          % (s['source'], bdf, d['vendor'], d['device'], mapping['model'],
                             mapping['vendor'], mapping['device']))
        if root is not None and root != 0 and d['root'] != root:
            errors.append('(c) hostdev %s: guest %s lies in the bus range of %s, the plan '
                          'put it below pxb index %d' % (s['source'], bdf,
                                                        'pcie.0' if d['root'] == 0 else
                                                        'pxb index %s' % d['root'], root))
        if root is not None and root != 0 and d['iommu'] is None:
            errors.append('(c) hostdev %s: guest %s has no IOMMU' % (s['source'], bdf))
    nstand = sum(1 for d in devs.values()
                 if (d['vendor'], d['device']) == (mapping['vendor'], mapping['device']))
    if nstand != len(mapping['standins']):
        errors.append('guest shows %d %s stand-ins, the plan has %d hostdevs'
                      % (nstand, mapping['model'], len(mapping['standins'])))

    # Human summary.
    if mapping.get('notes'):
        print('stand-in: %s' % '; '.join(sorted(set(mapping['notes']))))
    print('guest kernel: %s (reached /init %ss after it started; group types: %s)'
          % (info.get('K') or '?', info.get('T') or '?',
             ', '.join(result['group_types']) or '-'))
    print('guest IOMMUs: %s' % (', '.join(sorted(iommus)) or 'none'))
    for e in result['pxbs']:
        print('pxb index %d busNr %d (buses %d-%d%s): %s  [%s]'
              % (e['controller'], e['busNr'], e['range'][0], e['range'][1],
                 ', node %s' % e['node'] if 'node' in e else '',
                 e['smmu'] if isinstance(e['smmu'], str) else '/'.join(e['smmu']),
                 ' '.join(e['devices'])))
    for r in result['devices']:
        print('hostdev %s -> guest %s -> %s (group %s)'
              % (r['source'], r['guest'], r['smmu'] or 'none', r['group'] or '-'))
    other = by_root.get(0, [])
    if other:
        print('pcie.0: %s' % ', '.join('%s=%s' % (d['bdf'], d['iommu'] or 'none')
                                       for d in other))

    if a.save_json:
        with open(a.save_json, 'w') as f:
            json.dump(result, f, indent=1, sort_keys=True)
            f.write('\n')
    if a.expect_json:
        try:
            with open(a.expect_json) as f:
                exp = json.load(f)
        except (OSError, ValueError) as e:
            die('%s: %s' % (a.expect_json, e), 1)
        want = sorted((d['source'], d['guest'], d['smmu']) for d in exp.get('devices', []))
        got = sorted((d['source'], d['guest'], d['smmu']) for d in result['devices'])
        if want != got:
            for w in want:
                if w not in got:
                    errors.append('expected %s -> %s -> %s, not seen' % w)
            for g in got:
                if g not in want:
                    errors.append('unexpected %s -> %s -> %s' % g)

    if errors:
        for e in errors:
            print('FAIL: %s' % e)
        sys.exit(1)
    print('PASS: %d hostdev stand-ins behind %d vSMMUs as planned'
          % (len(result['devices']), len(smmu_of_pxb)))


# ---------------------------------------------------------------- capture

def cmd_decode(a):
    lines = report_lines(a.console, CAPTURE_BEGIN, CAPTURE_END)
    if lines is None:
        die('%s: no complete capture manifest' % a.console, 1)
    out = os.path.abspath(a.outdir)
    n = {'D': 0, 'L': 0, 'F': 0}
    bad = 0

    def target(path):
        if not path.startswith('/sys/') or '..' in path.split('/'):
            raise ValueError('bad path %r' % path)
        return os.path.join(out, path.lstrip('/'))

    for ln in lines:
        p = ln.split(' ')
        try:
            if p[0] == 'D' and len(p) == 2:
                os.makedirs(target(p[1]), exist_ok=True)
            elif p[0] == 'L' and len(p) == 3:
                t = target(p[1])
                os.makedirs(os.path.dirname(t), exist_ok=True)
                if os.path.lexists(t):
                    os.unlink(t)
                os.symlink(p[2], t)
            elif p[0] == 'F' and len(p) in (2, 3):
                t = target(p[1])
                os.makedirs(os.path.dirname(t), exist_ok=True)
                data = base64.b64decode(p[2]) if len(p) == 3 else b''
                with open(t, 'wb') as f:
                    f.write(data)
            elif p[0] in ('K', 'T', '#'):
                continue
            else:
                raise ValueError('unknown line %r' % ln[:80])
            n[p[0]] += 1
        except (ValueError, OSError) as e:
            print('labguest: %s' % e, file=sys.stderr)
            bad += 1
    print('decoded %d dirs, %d links, %d files into %s' % (n['D'], n['L'], n['F'], a.outdir))
    if bad:
        die('%d bad manifest lines' % bad, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    p = sub.add_parser('initramfs')
    p.add_argument('--busybox', required=True)
    p.add_argument('--init', required=True)
    p.add_argument('--add', action='append')
    p.add_argument('-o', '--output', required=True)
    p = sub.add_parser('standin')
    p.add_argument('planned')
    for k in ('kernel', 'initrd', 'cmdline', 'console', 'name'):
        p.add_argument('--' + k, required=True)
    p.add_argument('--model', choices=sorted(STANDINS), default='virtio-net')
    p.add_argument('--map')
    p.add_argument('--generic-initiators', action='store_true',
                   help='keep memoryless NUMA cells and tie each stand-in to the '
                        'nodes of its hostdev\'s <acpi nodeset> (acpi-generic-initiator)')
    p = sub.add_parser('template')
    p.add_argument('template')
    p.add_argument('--set', action='append')
    p = sub.add_parser('check')
    p.add_argument('planned')
    p.add_argument('console')
    p.add_argument('--map', required=True)
    p.add_argument('--expect-json')
    p.add_argument('--save-json')
    p = sub.add_parser('decode')
    p.add_argument('console')
    p.add_argument('outdir')
    p = sub.add_parser('caps-check')
    p.add_argument('console')
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument('--stage', choices=sorted(QEMU_STAGES))
    g.add_argument('--vtd', choices=sorted(QEMU_VTD))
    p.add_argument('--virt-viommu', action='store_true')
    p = sub.add_parser('markers')
    p.add_argument('console')
    p.add_argument('begin')
    p.add_argument('end')
    a = ap.parse_args()
    {'initramfs': cmd_initramfs, 'standin': cmd_standin, 'template': cmd_template,
     'check': cmd_check, 'decode': cmd_decode, 'markers': cmd_markers,
     'caps-check': cmd_caps_check}[a.cmd](a)


if __name__ == '__main__':
    main()
