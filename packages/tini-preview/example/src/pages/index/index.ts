import dayjs from 'dayjs';

/** The one product of the example, priced in đồng. */
const PRICE = 125_000;

interface Data {
  today: string;
  price: number;
  quantity: number;
  showCounter: boolean;
  removed: boolean;
}

Page<Data, Record<string, unknown>>({
  data: {
    // A fixed day, so the page reads the same on every run.
    today: dayjs('2026-12-08').format('DD/MM/YYYY'),
    price: PRICE,
    quantity: 0,
    showCounter: true,
    removed: false,
  },
  /** The counter's onChange prop: called from its didUpdate with the new count. */
  onQuantityChange(quantity: number) {
    this.setData({ quantity });
  },
  /** The counter's onRemoved prop: called from its didUnmount. */
  onCounterRemoved() {
    this.setData({ removed: true });
  },
  toggleCounter() {
    this.setData({ showCounter: !this.data.showCounter, removed: false });
  },
});
