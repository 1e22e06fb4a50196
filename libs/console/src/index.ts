export * from './console.providers';
export { ConsoleSessionStore } from './console-session.store';
export { CASE_KIND_VIEWS, CONSOLE_CASE_STATES } from './case-kind-views';
export { FIELD_SPECS, formFields } from './staff-form-fields';
export { formMessage } from './staff-forms';
