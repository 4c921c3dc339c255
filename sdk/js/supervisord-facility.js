// Write a supervisord-crate facility in a few lines of JavaScript.
//
// A facility maps its own settings (a service's `settings` in a spec) to a
// supervisord program, as the seed's `supervisor-config-map` did:
//
//   import { facility } from './sdk/supervisord-facility.js';
//   export const configMapper = facility('app-deploy', (s) => ({
//     'service-name': s.required('service-name'),
//     command: s.required('run-command'),
//   }));
//
// A program is an object of the generic facility's keys (kebab-case
// supervisord program keys); the provider checks it with the rules of its
// own input. `supd facility build DIR` makes the component with
// componentize-js, with every WASI feature disabled. What a mapping throws
// reaches the user as the facility world's typed error, with its message.

/** The one supervisor a facility maps programs for here. */
export const SUPERVISOR = 'supervisord';

/** A refusal about the setting `field` ('' when about none). */
export class FacilityError extends Error {
  constructor(field, message, kind = 'invalid-value') {
    super(message);
    this.field = field;
    this.kind = kind;
  }
}

/** A service's settings, as the spec gave them. */
export class Settings {
  constructor(values) {
    Object.assign(this, values);
  }

  /** The setting `key`, which must be there. */
  required(key) {
    const value = this[key];
    if (value === undefined || value === null) {
      throw new FacilityError(key, `${key} is required`, 'missing-field');
    }
    return value;
  }
}

/** The world's error record for anything a mapping threw. */
function worldError(thrown) {
  if (thrown instanceof FacilityError) {
    return { field: thrown.field, kind: thrown.kind, message: thrown.message };
  }
  const name = thrown instanceof Error ? thrown.name : typeof thrown;
  const message = thrown instanceof Error ? thrown.message : String(thrown);
  return { field: '', kind: 'invalid-value', message: `${name}: ${message}` };
}

/**
 * The `config-mapper` export of a facility named `name` whose mapping is
 * `map(settings) -> program`.
 */
export function facility(name, map) {
  return {
    facilityName() {
      return name;
    },
    configMap(supervisor, settings) {
      if (supervisor !== SUPERVISOR) {
        throw {
          field: '',
          kind: 'not-implemented',
          message: `${supervisor} supervisor requested for ${name}, but this has not been implemented`,
        };
      }
      try {
        const parsed = JSON.parse(settings);
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw new FacilityError('', 'settings are not a JSON object');
        }
        const program = map(new Settings(parsed));
        if (program === null || typeof program !== 'object' || Array.isArray(program)) {
          throw new FacilityError('', 'the mapping returned no program object');
        }
        return JSON.stringify(program);
      } catch (thrown) {
        // componentize-js makes a thrown record the result's error.
        throw worldError(thrown);
      }
    },
  };
}
