// A quantity counter: props passed down, changes reported up through on* props, both ends of its life told.
Component({
  props: {
    label: '',
    min: 0,
    onChange: () => {},
    onRemoved: () => {},
  },
  data: { count: 0, mounted: false },
  didMount() {
    this.setData({ mounted: true });
  },
  didUpdate(_prevProps, prevData) {
    if (prevData.count !== this.data.count) this.props.onChange(this.data.count);
  },
  didUnmount() {
    this.props.onRemoved();
  },
  methods: {
    plus() {
      this.setData({ count: this.data.count + 1 });
    },
    minus() {
      if (this.data.count > this.props.min) this.setData({ count: this.data.count - 1 });
    },
  },
});
