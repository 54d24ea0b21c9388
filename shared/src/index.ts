export * from './worlds.js';
export * from './messages.js';
export * from './validation.js';
export * from './state.js';
export * from './inference.js';
export * from './moderation.js';
