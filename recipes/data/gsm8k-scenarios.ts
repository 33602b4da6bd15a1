// The stories GSM8K-style problems are told in. Slots: {P} a name, {S}/{s} its pronoun, {poss} its
// possessive, {friend} another name, {n} a step's operand, {count}/{each} a product start. Each
// step's `question` sentences must mean exactly its operation on the running quantity.
import type { GsmOp } from './gsm8k.js';

export interface Scenario {
  name: string;
  /** The running quantity's unit, as the solution lines end. */
  unit: string;
  intro: string[];
  introProduct: string[];
  /** Solution lead for the product start: `{lead} count*each = <<…>>r unit.` */
  productLead: string;
  steps: Record<GsmOp, { question: string[]; lead: string }>;
  ask: string;
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'apples',
    unit: 'apples',
    intro: ['{P} has {n} apples.', '{P} picks {n} apples from the orchard.'],
    introProduct: ['{P} buys {count} bags of apples with {each} apples in each bag.', '{P} picks {each} apples from each of {count} trees.'],
    productLead: '{P} has',
    steps: {
      add: { question: ['{S} picks {n} more apples.', '{friend} gives {P} {n} apples.'], lead: 'Then {s} has' },
      subtract: { question: ['{S} eats {n} of the apples.', '{S} gives {n} apples to {friend}.'], lead: 'Then {s} has' },
      multiply: { question: ['{S} picks more until {s} has {n} times as many apples as before.'], lead: 'Then {s} has' },
      divide: { question: ['{S} splits the apples into {n} equal baskets and keeps only one basket.'], lead: 'One basket holds' },
    },
    ask: 'How many apples does {P} have now?',
  },
  {
    name: 'savings',
    unit: 'dollars',
    intro: ['{P} has saved ${n}.', '{P} has ${n} in a piggy bank.'],
    introProduct: ['{P} saves ${each} a week for {count} weeks.', '{P} earns ${each} a day for {count} days.'],
    productLead: '{P} saves',
    steps: {
      add: { question: ['{S} earns ${n} more for doing chores.', '{poss} aunt gives {P} ${n} as a gift.'], lead: 'Then {s} has' },
      subtract: { question: ['{S} spends ${n} on a book.', '{S} pays {friend} back ${n}.'], lead: 'Then {s} has' },
      multiply: { question: ['A bank bonus makes {poss} savings {n} times as large.'], lead: 'Then {s} has' },
      divide: { question: ['{S} divides the money equally among {n} jars and takes one jar to the fair.'], lead: 'One jar holds' },
    },
    ask: 'How many dollars does {P} have now?',
  },
  {
    name: 'train',
    unit: 'passengers',
    intro: ['{P} drives a train that leaves the station with {n} passengers.', 'There are {n} passengers on the train {P} drives.'],
    introProduct: ['{P} drives a train with {count} cars and {each} passengers in each car.'],
    productLead: 'The train carries',
    steps: {
      add: { question: ['At the next stop, {n} passengers get on.', '{n} more passengers board the train.'], lead: 'Now the train carries' },
      subtract: { question: ['At the next stop, {n} passengers get off.', '{n} passengers leave the train.'], lead: 'Now the train carries' },
      multiply: { question: ['At the city station, the number of passengers becomes {n} times as large.'], lead: 'Now the train carries' },
      divide: { question: ['The passengers are split equally among {n} trains, and {P} drives one of them.'], lead: "{P}'s train carries" },
    },
    ask: 'How many passengers are on {P}\'s train now?',
  },
  {
    name: 'shopping',
    unit: 'dollars',
    intro: ['{P} has ${n} to spend at the market.', '{P} brings ${n} to the store.'],
    introProduct: ['{P} has {count} gift cards worth ${each} each.', '{P} sells {count} drawings for ${each} each.'],
    productLead: '{P} has',
    steps: {
      add: { question: ['{friend} lends {P} another ${n}.', '{S} finds ${n} in {poss} coat pocket.'], lead: 'Then {s} has' },
      subtract: { question: ['{S} buys a notebook for ${n}.', '{S} spends ${n} on fruit.'], lead: 'Then {s} has' },
      multiply: { question: ['{S} wins a prize that makes {poss} money {n} times as much.'], lead: 'Then {s} has' },
      divide: { question: ['{S} splits {poss} money equally among {n} envelopes and keeps one envelope.'], lead: 'One envelope holds' },
    },
    ask: 'How many dollars does {P} have left?',
  },
  {
    name: 'library',
    unit: 'books',
    intro: ['{P} has {n} books on a library cart.', '{P} stacks {n} books on a cart.'],
    introProduct: ['{P} loads {count} stacks of {each} books onto a cart.'],
    productLead: 'That is',
    steps: {
      add: { question: ['A donor adds {n} more books.', '{P} brings {n} more books.'], lead: 'Now there are' },
      subtract: { question: ['Students borrow {n} of the books.', '{n} books are sent for repair.'], lead: 'Now there are' },
      multiply: { question: ['A big delivery makes the number of books {n} times as large.'], lead: 'Now there are' },
      divide: { question: ['The books are packed equally into {n} boxes, and only one box stays on the cart.'], lead: 'One box holds' },
    },
    ask: 'How many books are on {P}\'s cart now?',
  },
  {
    name: 'bakery',
    unit: 'cookies',
    intro: ['{P} bakes {n} cookies.', 'A bakery gives {P} {n} cookies.'],
    introProduct: ['{P} bakes {count} trays of cookies with {each} cookies on each tray.'],
    productLead: '{S} bakes',
    steps: {
      add: { question: ['{S} bakes {n} more cookies.', '{friend} brings {n} more cookies.'], lead: 'Then there are' },
      subtract: { question: ['{S} sells {n} cookies.', '{friend} eats {n} of the cookies.'], lead: 'Then there are' },
      multiply: { question: ['{S} bakes more until there are {n} times as many cookies.'], lead: 'Then there are' },
      divide: { question: ['{S} puts the cookies equally into {n} boxes and keeps one box.'], lead: 'One box holds' },
    },
    ask: 'How many cookies does {P} have now?',
  },
  {
    name: 'farm',
    unit: 'eggs',
    intro: ['{P} collects {n} eggs on the farm.', 'A farmer gives {P} {n} eggs.'],
    introProduct: ['{P} collects {each} eggs a day for {count} days.'],
    productLead: '{S} collects',
    steps: {
      add: { question: ['The hens lay {n} more eggs.', '{friend} adds {n} eggs to the basket.'], lead: 'Then there are' },
      subtract: { question: ['{n} eggs break on the way home.', '{S} uses {n} eggs for a cake.'], lead: 'Then there are' },
      multiply: { question: ['After a good week, {s} has {n} times as many eggs.'], lead: 'Then there are' },
      divide: { question: ['{S} packs the eggs equally into {n} cartons and keeps one carton.'], lead: 'One carton holds' },
    },
    ask: 'How many eggs does {P} have now?',
  },
  {
    name: 'marbles',
    unit: 'marbles',
    intro: ['{P} has {n} marbles.', '{P} wins {n} marbles at school.'],
    introProduct: ['{P} has {count} bags with {each} marbles in each bag.'],
    productLead: '{S} has',
    steps: {
      add: { question: ['{S} wins {n} more marbles.', '{friend} gives {P} {n} marbles.'], lead: 'Then {s} has' },
      subtract: { question: ['{S} loses {n} marbles.', '{S} trades {n} marbles to {friend}.'], lead: 'Then {s} has' },
      multiply: { question: ['{S} collects until {s} has {n} times as many marbles.'], lead: 'Then {s} has' },
      divide: { question: ['{S} shares the marbles equally among {n} jars and keeps one jar.'], lead: 'One jar holds' },
    },
    ask: 'How many marbles does {P} have now?',
  },
];
