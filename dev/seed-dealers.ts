/** The dealers the dev app seeds when there are none (test/dealers-collection.test.ts checks they are valid). */
export const seedDealers = [
  {
    name: 'Northside Motors',
    slug: 'northside-motors',
    domain: 'northside-motors.example',
    platforms: ['homenet', 'dealer_com'],
    homenet_config: {
      rooftop_id: 'RT-1001',
      feed_url: 'https://feeds.example/homenet/rt-1001.csv',
    },
    dealer_com_config: { account: 'northside', region: 'us-east' },
    utm_config: { source: 'dealer-site', medium: 'organic' },
  },
  {
    name: 'Lakeview Auto Group',
    slug: 'lakeview-auto',
    domain: 'lakeview-auto.example',
    platforms: ['vinsolutions'],
    homenet_config: {},
    vinsolutions_config: { dealerId: 4711 },
  },
  {
    name: 'Summit Trucks',
    slug: 'summit-trucks',
    domain: null,
    platforms: ['custom'],
    homenet_config: {},
    custom_config: { endpoint: 'https://summit.example/api/inventory', auth: 'none' },
  },
]
