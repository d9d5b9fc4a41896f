// How to install the Python package when the adapter is missing. dap-threads is not on PyPI: `npm run
// package` puts the wheel built from the same checkout into the .vsix (wheel/), and pip installs that
// file from anywhere. Debian and Ubuntu mark their system python3 "externally managed" (PEP 668): pip
// refuses to install into it, so for a bare `python3` the command makes a virtual environment first.
import * as fs from 'fs';
import * as path from 'path';

export interface InstallAdvice {
    /** One shell command that installs the package; what "Copy Install Command" copies. */
    command: string;
    /** What to set dapThreads.python to afterwards, if the command made a new environment. */
    python?: string;
}

/** The wheel in `<extension>/wheel/`, or, for an extension run from a checkout, that checkout. */
export function packageSource(extensionPath: string): string | undefined {
    const wheelDir = path.join(extensionPath, 'wheel');
    const wheel = fs.existsSync(wheelDir) ? fs.readdirSync(wheelDir).find((f) => /^dap_threads-.*\.whl$/.test(f)) : undefined;
    if (wheel) {
        return path.join(wheelDir, wheel);
    }
    const checkout = path.dirname(extensionPath);
    return fs.existsSync(path.join(checkout, 'dap_threads')) && fs.existsSync(path.join(checkout, 'pyproject.toml')) ? checkout : undefined;
}

/** A bare command name (found on PATH): most likely the system interpreter, where pip may not install. */
function isBareName(python: string): boolean {
    return !python.includes('/');
}

export function installAdvice(python: string, source: string | undefined, home: string): InstallAdvice {
    const from = source ? `"${source}"` : '/path/to/a/dap-threads/checkout';
    if (!isBareName(python)) {
        return { command: `"${python}" -m pip install ${from}` };
    }
    const venv = path.join(home, '.local', 'share', 'dap-threads', 'venv');
    const venvPython = path.join(venv, 'bin', 'python');
    return { command: `${python} -m venv "${venv}" && "${venvPython}" -m pip install ${from}`, python: venvPython };
}
