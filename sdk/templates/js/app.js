import { facility } from './sdk/supervisord-facility.js';

// The seed's app-deploy mapping: maps its settings to a supervisord program.
export const configMapper = facility('{{name}}', (s) => ({
  'service-name': s.required('service-name'),
  command: s.required('run-command'),
  autostart: true,
  autorestart: true,
  startsecs: 10,
  ...(s.user ? { user: s.user } : {}),
}));
