import unittest

from wgml_cuda.jsnum import js_number, js_stringify


class JsNumberTest(unittest.TestCase):
    def test_numbers_are_written_as_javascript_writes_them(self):
        # Each right-hand side is JSON.stringify(x) in Node.
        cases = {0.7: "0.7", 1.0: "1", 1e-7: "1e-7", 1e-5: "0.00001", 1e21: "1e+21", 1e16: "10000000000000000", 0.1 + 0.2: "0.30000000000000004", -3.5e-9: "-3.5e-9", 1.5e20: "150000000000000000000"}
        for x, text in cases.items():
            self.assertEqual(js_number(x), text, x)

    def test_objects_are_compact_and_keep_key_order_and_unicode(self):
        self.assertEqual(js_stringify({"b": [1, "é\n"], "a": None, "t": True}), '{"b":[1,"é\\n"],"a":null,"t":true}')


if __name__ == "__main__":
    unittest.main()
