// The kinds of record JSON extraction tasks are made from: each draws random facts and says every
// one of them in a sentence, so a schema that asks for some fields leaves the others as distractors.
import type { Rng } from '../../src/cpu/random.js';
import { between, pick } from './common.js';

export type FieldType = 'string' | 'integer' | 'number' | 'boolean';
export type JsonValue = string | number | boolean;

export interface Entity {
  name: string;
  fields: Record<string, FieldType>;
  draw(rng: Rng): Record<string, JsonValue>;
  /** One sentence per field, every field included. */
  describe(record: Record<string, JsonValue>, rng: Rng): string[];
}

const PEOPLE = ['Ana Silva', 'Ben Carter', 'Chen Wei', 'Dara Okafor', 'Elif Kaya', 'Finn Larsen', 'Gita Rao', 'Hugo Martin', 'Ines Duarte', 'Jonas Berg', 'Kira Novak', 'Luis Ortega'];
const CITIES = ['Lisbon', 'Toronto', 'Osaka', 'Nairobi', 'Oslo', 'Denver', 'Porto', 'Seoul', 'Lyon', 'Perth', 'Quito', 'Austin'];
const PRODUCTS = ['desk lamp', 'water bottle', 'backpack', 'keyboard', 'tea kettle', 'yoga mat', 'phone case', 'notebook'];
const COLORS = ['red', 'blue', 'green', 'black', 'white', 'yellow'];
const EVENTS = ['Spring Hackathon', 'Book Club Night', 'Data Meetup', 'Charity Run', 'Jazz Evening', 'Chess Open'];
const BOOKS = ['The Quiet Harbor', 'Maps of Rain', 'A Small Engine', 'Glass Orchard', 'North of Noon', 'The Last Ledger'];

const yesNo = (value: JsonValue, yes: string, no: string): string => (value ? yes : no);
const money = (rng: Rng, lo: number, hi: number): number => between(rng, lo * 100, hi * 100) / 100;
const dollars = (value: JsonValue): string => `$${(value as number).toFixed(2)}`;

export const ENTITIES: Entity[] = [
  {
    name: 'person',
    fields: { name: 'string', age: 'integer', city: 'string', email: 'string', is_member: 'boolean' },
    draw: (rng) => {
      const name = pick(rng, PEOPLE);
      return { name, age: between(rng, 18, 90), city: pick(rng, CITIES), email: `${name.split(' ')[0]!.toLowerCase()}${between(rng, 1, 99)}@example.com`, is_member: rng.next() < 0.5 };
    },
    describe: (r, rng) => [
      pick(rng, [`This note is about ${r.name}.`, `Customer: ${r.name}.`]),
      pick(rng, [`They are ${r.age} years old.`, `Age on file: ${r.age}.`]),
      pick(rng, [`They live in ${r.city}.`, `Home city is ${r.city}.`]),
      `Contact them at ${r.email}.`,
      yesNo(r.is_member, 'They joined the loyalty club last year.', 'They are not a member of the loyalty club.'),
    ],
  },
  {
    name: 'product',
    fields: { product: 'string', price: 'number', quantity: 'integer', color: 'string', in_stock: 'boolean' },
    draw: (rng) => ({ product: pick(rng, PRODUCTS), price: money(rng, 3, 120), quantity: between(rng, 1, 40), color: pick(rng, COLORS), in_stock: rng.next() < 0.5 }),
    describe: (r, rng) => [
      pick(rng, [`The item is a ${r.product}.`, `Listing for a ${r.product}.`]),
      pick(rng, [`It sells for ${dollars(r.price)}.`, `Price: ${dollars(r.price)}.`]),
      `The order asks for ${r.quantity} units.`,
      `It comes in ${r.color}.`,
      yesNo(r.in_stock, 'The warehouse has it in stock.', 'It is currently out of stock.'),
    ],
  },
  {
    name: 'event',
    fields: { title: 'string', date: 'string', attendees: 'integer', city: 'string', online: 'boolean' },
    draw: (rng) => ({
      title: pick(rng, EVENTS),
      date: `2025-${String(between(rng, 1, 12)).padStart(2, '0')}-${String(between(rng, 1, 28)).padStart(2, '0')}`,
      attendees: between(rng, 5, 500),
      city: pick(rng, CITIES),
      online: rng.next() < 0.5,
    }),
    describe: (r, rng) => [
      `The ${r.title} is coming up.`,
      pick(rng, [`It takes place on ${r.date}.`, `Date: ${r.date}.`]),
      `${r.attendees} people have signed up.`,
      `The organisers are based in ${r.city}.`,
      yesNo(r.online, 'It will be streamed online only.', 'It is held in person, not online.'),
    ],
  },
  {
    name: 'order',
    fields: { order_id: 'string', customer: 'string', total: 'number', items: 'integer', paid: 'boolean' },
    draw: (rng) => ({ order_id: `A${between(rng, 1000, 9999)}`, customer: pick(rng, PEOPLE), total: money(rng, 5, 400), items: between(rng, 1, 12), paid: rng.next() < 0.5 }),
    describe: (r, rng) => [
      pick(rng, [`Order ${r.order_id} was placed yesterday.`, `Reference number ${r.order_id}.`]),
      `It was placed by ${r.customer}.`,
      `The total comes to ${dollars(r.total)}.`,
      `The parcel holds ${r.items} items.`,
      yesNo(r.paid, 'Payment has been received.', 'Payment is still pending.'),
    ],
  },
  {
    name: 'book',
    fields: { title: 'string', author: 'string', year: 'integer', pages: 'integer', available: 'boolean' },
    draw: (rng) => ({ title: pick(rng, BOOKS), author: pick(rng, PEOPLE), year: between(rng, 1950, 2024), pages: between(rng, 80, 900), available: rng.next() < 0.5 }),
    describe: (r, rng) => [
      `The book is titled ${r.title}.`,
      pick(rng, [`It was written by ${r.author}.`, `Author: ${r.author}.`]),
      `It was first published in ${r.year}.`,
      `It runs to ${r.pages} pages.`,
      yesNo(r.available, 'A copy is available to borrow.', 'All copies are checked out.'),
    ],
  },
  {
    name: 'weather',
    fields: { city: 'string', temperature_c: 'integer', humidity: 'integer', raining: 'boolean' },
    draw: (rng) => ({ city: pick(rng, CITIES), temperature_c: between(rng, -15, 38), humidity: between(rng, 10, 100), raining: rng.next() < 0.5 }),
    describe: (r, rng) => [
      `Report from ${r.city}.`,
      pick(rng, [`The temperature is ${r.temperature_c} degrees Celsius.`, `It is ${r.temperature_c} °C outside.`]),
      `Humidity stands at ${r.humidity} percent.`,
      yesNo(r.raining, 'It is raining right now.', 'There is no rain at the moment.'),
    ],
  },
];
