export * from './codec';
export * from './errors';
export * from './ids';
export * from './limits';
export * from './messages';
export * from './model';
export * from './closeCodes';
