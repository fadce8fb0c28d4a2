"""Other projects' domain XML, fetched at run time from Debian's archive.

The project does not carry other projects' files.  The corpus of the lab
test 'lab-corpus' is taken from Debian's source packages of libvirt and
virt-manager, downloaded with apt (its own hash checks against the
archive's signed Sources index) into a private apt state, and the wanted
directories extracted from their upstream (.orig) tarballs:

  libvirt        tests/qemuxmlconfdata/*.xml   (libvirt's qemuxmlconftest)
  virt-manager   tests/data/cli/compare/*.xml  (virt-install's test outputs)

For each package the suites are tried in order, sid first and then
trixie; the first whose .orig tarball downloads is used (the mirror this
was written against serves trixie's libvirt 11.3 tarball but 404s its
.dsc, and neither file of sid's: apt-get reports the missing files and
keeps what it could fetch, so only the tarball is looked for).

Cache: $VIRT_VIOMMU_CORPUS_DIR (default /var/cache/virt-viommu/corpus):
  apt/             sources.list, lists/, the private apt state
  dl/              the downloaded source files
  PKG/             the extracted directories; PKG/.version written last
A complete PKG/ is used without any network access.  Mirror:
$VIRT_VIOMMU_LAB_MIRROR (default http://deb.debian.org/debian).
"""

import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess

CACHE = os.environ.get('VIRT_VIOMMU_CORPUS_DIR', '/var/cache/virt-viommu/corpus')
MIRROR = os.environ.get('VIRT_VIOMMU_LAB_MIRROR') or 'http://deb.debian.org/debian'
SUITES = ('sid', 'trixie')

# package -> the members of its upstream tarball that make the corpus
WANTED = {
    'libvirt': ['*/tests/qemuxmlconfdata/*.xml'],
    'virt-manager': ['*/tests/data/cli/compare/*.xml'],
}


class Unreachable(Exception):
    """The Debian mirror cannot be reached (the test is skipped)."""


class FetchError(Exception):
    """The mirror answers but a package's sources cannot be had."""


def _apt_opts():
    a = os.path.join(CACHE, 'apt')
    return ['-o', 'Dir::Etc::SourceList=%s/sources.list' % a,
            '-o', 'Dir::Etc::SourceParts=%s/sources.list.d' % a,
            '-o', 'Dir::State::Lists=%s/lists' % a,
            '-o', 'Dir::State::status=%s/status' % a,
            '-o', 'Dir::Cache=%s/cache' % a,
            '-o', 'APT::Sandbox::User=root',
            '-o', 'Acquire::Check-Valid-Until=false',
            '-q']


def _apt(*args, cwd=None):
    p = subprocess.run(['apt-get'] + _apt_opts() + list(args), cwd=cwd,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    return p.returncode, p.stdout


def _update():
    a = os.path.join(CACHE, 'apt')
    for d in ('lists/partial', 'cache/archives/partial', 'sources.list.d'):
        os.makedirs(os.path.join(a, d), exist_ok=True)
    open(os.path.join(a, 'status'), 'a').close()
    with open(os.path.join(a, 'sources.list'), 'w') as f:
        for s in SUITES:
            f.write('deb-src %s %s main\n' % (MIRROR, s))
    rc, out = _apt('update')
    bad = re.findall(r'^(?:E|W): (?:Failed to fetch|Some index files failed).*$', out, re.M)
    if rc != 0 or bad or not glob.glob(os.path.join(a, 'lists', '*Sources*')):
        raise Unreachable('the Debian mirror %s cannot be reached: %s'
                          % (MIRROR, (bad or out.strip().split('\n'))[-1][:300]))


def _download(pkg):
    """(upstream version, path of the .orig tarball) of the first suite
    whose tarball downloads, its SHA256 checked against the Sources index."""
    dl = os.path.join(CACHE, 'dl')
    empty = os.path.join(CACHE, 'apt', 'empty')     # apt omits files already in cwd
    os.makedirs(dl, exist_ok=True)
    os.makedirs(empty, exist_ok=True)
    tried = []
    for suite in SUITES:
        rc, out = _apt('source', '--print-uris', '%s/%s' % (pkg, suite), cwd=empty)
        m = re.search(r"^'[^']*' (%s_([^_ ]+)\.orig\.tar\.\w+) \d+ SHA256:([0-9a-f]{64})$"
                      % re.escape(pkg), out, re.M)
        if rc != 0 or m is None:
            tried.append('%s: no .orig tarball in the Sources index (apt-get exit %d)'
                         % (suite, rc))
            continue
        fname, upstream, sha = m.groups()
        rc, out = _apt('source', '--download-only', '%s/%s' % (pkg, suite), cwd=dl)
        path = os.path.join(dl, fname)
        if os.path.exists(path) and _sha256(path) == sha:
            return upstream, path
        err = [l for l in out.split('\n') if fname in l and l.startswith('E:')]
        tried.append('%s: %s' % (suite, (err or ['%s did not download' % fname])[0][:200]))
    raise FetchError('no source tarball of %s downloads: %s' % (pkg, '; '.join(tried)))


def _sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            h.update(block)
    return h.hexdigest()


def _extract(pkg, tarball, version):
    dest = os.path.join(CACHE, pkg)
    tmp = dest + '.new'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    p = subprocess.run(['tar', '-C', tmp, '--strip-components=1', '--wildcards', '-xf',
                        tarball] + WANTED[pkg], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if p.returncode != 0:
        raise FetchError('cannot extract %s: %s' % (tarball, p.stdout.strip()[-300:]))
    with open(os.path.join(tmp, '.version'), 'w') as f:
        f.write('%s %s\n' % (pkg, version))
    shutil.rmtree(dest, ignore_errors=True)
    os.rename(tmp, dest)


def version_of(pkg):
    try:
        with open(os.path.join(CACHE, pkg, '.version')) as f:
            return f.read().split()[1]
    except (OSError, IndexError):
        return None


def fetch():
    """Make sure every package of WANTED is extracted in CACHE; return
    {pkg: (version, directory)}.  Raises Unreachable or FetchError."""
    os.makedirs(CACHE, exist_ok=True)
    with open(os.path.join(CACHE, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        missing = [p for p in WANTED if version_of(p) is None]
        if missing:
            _update()
            for pkg in missing:
                version, tarball = _download(pkg)
                _extract(pkg, tarball, version)
    return {p: (version_of(p), os.path.join(CACHE, p)) for p in WANTED}
