//! Integration tests through the public API only.

use aegis_engine::{OrderBook, Side};

#[test]
fn a_day_of_trading_conserves_quantity() {
    let mut book = OrderBook::new();
    let mut next_id = 0;
    let mut submitted = 0u64;
    let mut traded = 0u64;
    // Deterministic pseudo-random order flow (LCG), no external crates needed.
    let mut seed: u64 = 42;
    for _ in 0..2_000 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let side = if seed >> 63 == 0 {
            Side::Buy
        } else {
            Side::Sell
        };
        let price = 95 + (seed >> 32) % 11;
        let qty = 1 + (seed >> 16) % 50;
        next_id += 1;
        submitted += qty;
        let exec = book.limit(next_id, side, price, qty).unwrap();
        traded += exec.filled();
        assert_eq!(exec.filled() + exec.resting, qty);
        if let (Some(bid), Some(ask)) = (book.best_bid(), book.best_ask()) {
            assert!(bid < ask, "book must never stay crossed: {bid} >= {ask}");
        }
    }
    let resting: u64 = (95..=105)
        .map(|p| book.depth_at(Side::Buy, p) + book.depth_at(Side::Sell, p))
        .sum();
    // Every trade consumes quantity from both a taker and a maker.
    assert_eq!(submitted, resting + 2 * traded);
}
