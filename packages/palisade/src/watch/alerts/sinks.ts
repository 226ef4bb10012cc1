// Builds the sinks of `watch.alerts.sinks`. Webhook and Slack secrets are read from the
// environment variables the configuration names, here and nowhere else; they are never logged.
import type { WatchAlertSettings } from '../../core/index.js';
import { PalisadeError } from '../../core/index.js';
import { slackSink, webhookSink } from './http-sink.js';
import type { AlertSink } from './manager.js';
import { StdoutSink, SyslogSink } from './syslog-sink.js';

export function buildSinks(s: WatchAlertSettings, env: NodeJS.ProcessEnv = process.env, onError?: (what: string, err: unknown) => void): AlertSink[] {
  return s.sinks.map((c, i) => {
    const where = `watch.alerts.sinks[${i}]`;
    switch (c.type) {
      case 'webhook': {
        let secret: string | undefined;
        if (c.secretEnv !== undefined) {
          secret = env[c.secretEnv];
          if (!secret || secret.length < 16) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}.secretEnv: the environment variable ${c.secretEnv} must hold the webhook signing key (16 characters or more)`);
        }
        return webhookSink({ url: c.url, timeoutMs: c.timeoutMs, retries: c.retries, queueSize: c.queueSize, ...(secret ? { secret } : {}), ...(onError ? { onError } : {}) });
      }
      case 'slack': {
        const url = env[c.urlEnv];
        if (!url || !/^https?:\/\//.test(url)) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}.urlEnv: the environment variable ${c.urlEnv} must hold the Slack webhook URL`);
        return slackSink({ url, timeoutMs: c.timeoutMs, retries: c.retries, queueSize: c.queueSize, ...(onError ? { onError } : {}) });
      }
      case 'syslog':
        return new SyslogSink({ host: c.host, port: c.port, protocol: c.protocol, facility: c.facility, appName: c.appName, ...(onError ? { onError } : {}) });
      case 'stdout':
        return new StdoutSink();
    }
  });
}
