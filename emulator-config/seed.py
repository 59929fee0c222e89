print("seed placeholder")
