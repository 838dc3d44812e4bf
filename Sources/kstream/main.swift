print("kstream")
