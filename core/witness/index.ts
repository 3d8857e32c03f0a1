export { witnessRing, zoneOf, type WitnessRing } from './ring';
