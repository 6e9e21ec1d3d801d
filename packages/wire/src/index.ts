export * from './stun/index';
