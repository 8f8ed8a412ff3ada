App({
  globalData: { shop: 'Cửa hàng mẫu' },
});
