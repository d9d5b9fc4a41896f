// Unit tests of how the dapThreads.serverToken setting reaches a configuration (plain node, no VS Code).
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { usesServer, withServerToken } from '../src/serverToken';

const token = 'Zq3v0-secret-token-from-the-adapter';

describe('usesServer', () => {
    it('is true for "debugServer": PORT or a dapThreads.server, false for the stdio adapter', () => {
        assert.equal(usesServer({ debugServer: 4711 }, { server: '', serverToken: '' }), true);
        assert.equal(usesServer({}, { server: '127.0.0.1:4711', serverToken: '' }), true);
        assert.equal(usesServer({}, { server: '  ', serverToken: '' }), false);
        assert.equal(usesServer({ debugServer: '4711' }, { server: '', serverToken: '' }), false);
    });
});

describe('withServerToken', () => {
    it('adds the setting as "token" when the configuration goes to a --listen adapter', () => {
        const config = { type: 'dap-threads', request: 'attach', pid: 42, debugServer: 4711 };
        assert.deepEqual(withServerToken(config, { server: '', serverToken: ` ${token}\n` }), { ...config, token });
        const launch = { type: 'dap-threads', request: 'launch', program: '/bin/true' };
        assert.deepEqual(withServerToken(launch, { server: '4711', serverToken: token }), { ...launch, token });
    });
    it('leaves a token the configuration names itself', () => {
        const config = { request: 'attach', debugServer: 4711, token: 'from-launch-json' };
        assert.equal(withServerToken(config, { server: '', serverToken: token }).token, 'from-launch-json');
    });
    it('does not hand the secret to the adapter it starts itself, nor add an empty one', () => {
        const config = { request: 'attach', pid: 42 };
        assert.equal('token' in withServerToken(config, { server: '', serverToken: token }), false);
        assert.equal('token' in withServerToken({ ...config, debugServer: 4711 }, { server: '', serverToken: ' ' }), false);
    });
    it('does not change the configuration it was given', () => {
        const config = { request: 'attach', pid: 42, debugServer: 4711 };
        withServerToken(config, { server: '', serverToken: token });
        assert.equal('token' in config, false);
    });
});
