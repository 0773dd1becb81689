// The demo shop's own behaviour: a cart, and a stock check that fails now and then (every
// fourth asks for a sold-out size the server does not know: 404), so that the tracker reports
// a failed call.
// A module (loaded with type="module"): its names stay out of the page's globals.
export {};

const SIZES = ['small', 'large', 'tall', 'sold-out'];
let cart = 0;
let checks = 0;

const status = document.getElementById('status')!;

document.getElementById('add')!.addEventListener('click', async () => {
  cart++;
  document.getElementById('cart')!.textContent = String(cart);
  const size = SIZES[checks++ % SIZES.length]!;
  try {
    const response = await fetch(`/shop/api/stock/${size}.json`);
    status.textContent = response.ok ? `In stock (${size}).` : `Could not check the stock of ${size} (${response.status}).`;
  } catch {
    status.textContent = 'Offline: the stock is checked when you are back.';
  }
});

document.getElementById('buy')!.addEventListener('click', () => {
  status.textContent = cart === 0 ? 'Your cart is empty: add the mug first.' : `Thank you! ${cart} mug(s) on their way.`;
});
