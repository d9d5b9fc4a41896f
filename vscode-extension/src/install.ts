// How to install the Python package into an interpreter the user named (dapThreads.python) that lacks it.
// (Without the setting the extension makes its own environment: environment.ts.) dap-threads is not on
// PyPI: `npm run package` puts the wheel built from the same checkout, and its dependencies' wheels, into
// the .vsix (wheels/), and pip installs them from there with no network. Debian and Ubuntu mark their
// system python3 "externally managed" (PEP 668): pip refuses to install into it, so for a bare `python3`
// the command makes a virtual environment first.
import * as fs from 'fs';
import * as path from 'path';
import { bundledWheels } from './environment';

export interface InstallAdvice {
    /** One shell command that installs the package; what "Copy Install Command" copies. */
    command: string;
    /** What to set dapThreads.python to afterwards, if the command made a new environment. */
    python?: string;
}

/** The wheel in `<extension>/wheels/`, or, for an extension run from a checkout, that checkout. */
export function packageSource(extensionPath: string): string | undefined {
    const wheels = bundledWheels(extensionPath);
    if (wheels) {
        return wheels.adapter;
    }
    const checkout = path.dirname(extensionPath);
    return fs.existsSync(path.join(checkout, 'dap_threads')) && fs.existsSync(path.join(checkout, 'pyproject.toml')) ? checkout : undefined;
}

/** A bare command name (found on PATH): most likely the system interpreter, where pip may not install. */
function isBareName(python: string): boolean {
    return !python.includes('/');
}

export function installAdvice(python: string, source: string | undefined, home: string): InstallAdvice {
    // A bundled wheel: its dependencies lie beside it, so pip needs no network.
    const from = !source
        ? '/path/to/a/dap-threads/checkout'
        : source.endsWith('.whl')
          ? `--no-index --find-links "${path.dirname(source)}" "${source}"`
          : `"${source}"`;
    if (!isBareName(python)) {
        return { command: `"${python}" -m pip install ${from}` };
    }
    const venv = path.join(home, '.local', 'share', 'dap-threads', 'venv');
    const venvPython = path.join(venv, 'bin', 'python');
    return { command: `${python} -m venv "${venv}" && "${venvPython}" -m pip install ${from}`, python: venvPython };
}
