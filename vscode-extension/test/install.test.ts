// Unit tests of the install command the extension offers when the Python package is missing (plain node).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { installAdvice, packageSource } from '../src/install';

describe('packageSource', () => {
    it('finds the wheel packaged with the extension', () => {
        const ext = fs.mkdtempSync(path.join(os.tmpdir(), 'ext-'));
        fs.mkdirSync(path.join(ext, 'wheels'));
        fs.writeFileSync(path.join(ext, 'wheels', 'dap_threads-0.1.0-py3-none-any.whl'), '');
        fs.writeFileSync(path.join(ext, 'wheels', 'pip-26.0-py3-none-any.whl'), '');
        assert.equal(packageSource(ext), path.join(ext, 'wheels', 'dap_threads-0.1.0-py3-none-any.whl'));
    });

    it('falls back to the checkout an unpackaged extension runs from', () => {
        const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'checkout-'));
        fs.mkdirSync(path.join(checkout, 'dap_threads'));
        fs.writeFileSync(path.join(checkout, 'pyproject.toml'), '');
        fs.mkdirSync(path.join(checkout, 'vscode-extension'));
        assert.equal(packageSource(path.join(checkout, 'vscode-extension')), checkout);
    });

    it('knows of nothing elsewhere', () => {
        assert.equal(packageSource(fs.mkdtempSync(path.join(os.tmpdir(), 'ext-'))), undefined);
    });
});

describe('installAdvice', () => {
    const wheel = '/ext/wheels/dap_threads-0.1.0-py3-none-any.whl';
    const offline = `--no-index --find-links "/ext/wheels" "${wheel}"`;

    it('installs into the interpreter the user named by its path', () => {
        assert.deepEqual(installAdvice('/home/me/venv/bin/python', wheel, '/home/me'), {
            command: `"/home/me/venv/bin/python" -m pip install ${offline}`,
        });
    });

    it('makes a virtual environment for a bare python3, which may be externally managed', () => {
        const advice = installAdvice('python3', wheel, '/home/me');
        assert.equal(
            advice.command,
            `python3 -m venv "/home/me/.local/share/dap-threads/venv" && ` +
                `"/home/me/.local/share/dap-threads/venv/bin/python" -m pip install ${offline}`,
        );
        assert.equal(advice.python, '/home/me/.local/share/dap-threads/venv/bin/python');
    });

    it('never suggests a package name that is not on PyPI', () => {
        for (const python of ['python3', '/usr/bin/python3']) {
            for (const source of [wheel, undefined]) {
                assert.doesNotMatch(installAdvice(python, source, '/h').command, /pip install dap-threads/);
            }
        }
    });
});
